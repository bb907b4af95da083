import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { composeSubgraphs, readSubgraphSources } from '@verograph/schema';
import { envReader } from '@verograph/service';
import { buildSchema, getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { readGatewayConfig } from '../config.ts';
import { loadTrustedDocuments } from '../persisted/trustedDocuments.ts';
import { fragmentsOf, operationOf } from './operationWalk.ts';
import { aliasCount } from './aliasCount.ts';
import { operationCost } from './operationCost.ts';
import { operationDepth } from './operationDepth.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe("the frontend teams' published operations", () => {
  it('all fit within the default depth, alias and cost limits', async () => {
    const composition = composeSubgraphs(await readSubgraphSources(repoRoot, envReader({})));
    if (!composition.ok) throw new Error('the subgraphs do not compose');
    const api = buildSchema(composition.apiSdl);
    const { limits, operationsDir } = readGatewayConfig(envReader({}));
    const documents = await loadTrustedDocuments(operationsDir);
    expect(documents.size).toBeGreaterThan(10);

    const measured = [...documents.entries()].map((trusted) => {
      const document = parse(trusted.document);
      const operation = operationOf(document);
      if (!operation) throw new Error(`${trusted.source} has no single operation`);
      const fragments = fragmentsOf(document);
      return {
        source: trusted.source,
        depth: operationDepth(operation, fragments),
        aliases: aliasCount(operation, fragments),
        cost: operationCost(api, operation, fragments, { defaultListSize: limits.defaultListSize }),
      };
    });
    for (const { source, depth, aliases, cost } of measured) {
      expect({
        source,
        depth: depth <= limits.maxDepth,
        aliases: aliases <= limits.maxAliases,
        cost: cost <= limits.maxCost,
      }).toEqual({
        source,
        depth: true,
        aliases: true,
        cost: true,
      });
    }
  });

  it('include the standard introspection query (GraphiQL, codegen), within the default limits', async () => {
    const composition = composeSubgraphs(await readSubgraphSources(repoRoot, envReader({})));
    if (!composition.ok) throw new Error('the subgraphs do not compose');
    const api = buildSchema(composition.apiSdl);
    const { limits } = readGatewayConfig(envReader({}));
    // As graphql-js writes it by default, and with every option tools turn on.
    const everything = {
      descriptions: true,
      schemaDescription: true,
      directiveIsRepeatable: true,
      inputValueDeprecation: true,
      specifiedByUrl: true,
      oneOf: true,
    };
    for (const text of [getIntrospectionQuery(), getIntrospectionQuery(everything)]) {
      const document = parse(text);
      const operation = operationOf(document);
      if (!operation) throw new Error('no introspection operation');
      const fragments = fragmentsOf(document);
      const cost = operationCost(api, operation, fragments, { defaultListSize: limits.defaultListSize });
      // A schema that outgrows the cost limit would break GraphiQL: this says so before a release does.
      expect(cost).toBeLessThanOrEqual(limits.maxCost);
      expect(operationDepth(operation, fragments)).toBeLessThanOrEqual(limits.maxDepth);
      expect(aliasCount(operation, fragments)).toBe(0);
    }
  });
});
