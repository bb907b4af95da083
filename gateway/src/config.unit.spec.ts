import { ConfigError, envReader } from '@verograph/service';
import { describe, expect, it } from 'vitest';

import { LOCAL_JWT_SECRET, LOCAL_SUBGRAPH_SIGNING_SECRET, readGatewayConfig } from './config.ts';

describe('gateway configuration', () => {
  it('has local defaults for everything', () => {
    const config = readGatewayConfig(envReader({}));
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4000,
      introspection: true,
      trustedDocumentsOnly: false,
      jwt: { kind: 'secret', secret: LOCAL_JWT_SECRET },
      subgraphSigningSecret: LOCAL_SUBGRAPH_SIGNING_SECRET,
      subgraphTimeoutMs: 5000,
      limits: { maxDepth: 12, maxAliases: 30, maxCost: 5000, defaultListSize: 20, maxBodyBytes: 102_400 },
    });
    expect(config.supergraphPath).toMatch(/schema\/supergraph\.graphql$/);
    expect(config.operationsDir).toMatch(/schema\/operations$/);
  });

  it('switches to JWKS with issuer and audience when JWT_JWKS_URL is set', () => {
    const config = readGatewayConfig(
      envReader({
        JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json',
        JWT_ISSUER: 'https://id.example/',
        JWT_AUDIENCE: 'verograph',
      }),
    );
    expect(config.jwt).toEqual({
      kind: 'jwks',
      jwksUrl: 'https://id.example/.well-known/jwks.json',
      issuer: 'https://id.example/',
      audience: 'verograph',
    });
  });

  it("overrides a subgraph's routing URL from <NAME>_SUBGRAPH_URL", () => {
    const config = readGatewayConfig(envReader({ POSTS_SUBGRAPH_URL: 'http://posts.internal:8080/graphql' }));
    expect(config.subgraphUrlOverride('posts')).toBe('http://posts.internal:8080/graphql');
    expect(config.subgraphUrlOverride('users')).toBeUndefined();
    expect(() => readGatewayConfig(envReader({ USERS_SUBGRAPH_URL: 'nope' })).subgraphUrlOverride('users')).toThrow(
      /USERS_SUBGRAPH_URL/,
    );
  });

  it('fails fast, naming the variable, on a bad value', () => {
    expect(() => readGatewayConfig(envReader({ GATEWAY_MAX_DEPTH: 'deep' }))).toThrow(ConfigError);
    expect(() => readGatewayConfig(envReader({ GATEWAY_TRUSTED_DOCUMENTS_ONLY: 'maybe' }))).toThrow(
      /GATEWAY_TRUSTED_DOCUMENTS_ONLY/,
    );
    expect(() => readGatewayConfig(envReader({ JWT_JWKS_URL: 'not a url' }))).toThrow(/JWT_JWKS_URL/);
  });

  it('refuses the repository’s local secrets in production', () => {
    expect(() =>
      readGatewayConfig(envReader({ NODE_ENV: 'production', SUBGRAPH_SIGNING_SECRET: 's'.repeat(32) })),
    ).toThrow(/JWT_SECRET/);
    expect(() => readGatewayConfig(envReader({ NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32) }))).toThrow(
      /SUBGRAPH_SIGNING_SECRET/,
    );
    const config = readGatewayConfig(
      envReader({
        NODE_ENV: 'production',
        JWT_JWKS_URL: 'https://id.example/jwks',
        SUBGRAPH_SIGNING_SECRET: 's'.repeat(32),
      }),
    );
    expect(config.jwt.kind).toBe('jwks');
  });
});
