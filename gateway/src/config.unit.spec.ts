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
      suggestions: true,
      trustedDocumentsOnly: false,
      jwt: { kind: 'secret', secret: LOCAL_JWT_SECRET, maxLifetimeSeconds: 86_400 },
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
      maxLifetimeSeconds: 86_400,
    });
    expect(readGatewayConfig(envReader({ GATEWAY_JWT_MAX_LIFETIME_SECONDS: '3600' })).jwt.maxLifetimeSeconds).toBe(
      3600,
    );
    expect(() => readGatewayConfig(envReader({ GATEWAY_JWT_MAX_LIFETIME_SECONDS: 'forever' }))).toThrow(
      /GATEWAY_JWT_MAX_LIFETIME_SECONDS/,
    );
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

  const production = {
    NODE_ENV: 'production',
    JWT_JWKS_URL: 'https://id.example/jwks',
    JWT_ISSUER: 'https://id.example/',
    JWT_AUDIENCE: 'verograph',
    SUBGRAPH_SIGNING_SECRET: 's'.repeat(32),
  };

  it('refuses the repository’s local secrets in production', () => {
    const { JWT_JWKS_URL: _jwks, ...withoutJwks } = production;
    expect(() => readGatewayConfig(envReader(withoutJwks))).toThrow(/JWT_SECRET/);
    const { SUBGRAPH_SIGNING_SECRET: _signing, ...withoutSigning } = production;
    expect(() => readGatewayConfig(envReader(withoutSigning))).toThrow(/SUBGRAPH_SIGNING_SECRET/);
    expect(readGatewayConfig(envReader(production)).jwt.kind).toBe('jwks');
  });

  it('requires an issuer and an audience in production, so no other application’s token is taken', () => {
    const { JWT_ISSUER: _issuer, ...withoutIssuer } = production;
    expect(() => readGatewayConfig(envReader(withoutIssuer))).toThrow(/JWT_ISSUER and JWT_AUDIENCE/);
    const { JWT_AUDIENCE: _audience, ...withoutAudience } = production;
    expect(() => readGatewayConfig(envReader(withoutAudience))).toThrow(/JWT_ISSUER and JWT_AUDIENCE/);
    expect(() =>
      readGatewayConfig(envReader({ ...withoutIssuer, JWT_JWKS_URL: '', JWT_SECRET: 'j'.repeat(32) })),
    ).toThrow(/JWT_ISSUER/);
  });

  it('switches introspection and suggestions off in production, unless told otherwise', () => {
    expect(readGatewayConfig(envReader(production))).toMatchObject({ introspection: false, suggestions: false });
    expect(
      readGatewayConfig(envReader({ ...production, GATEWAY_INTROSPECTION: 'true', GATEWAY_SUGGESTIONS: 'true' })),
    ).toMatchObject({ introspection: true, suggestions: true });
    expect(readGatewayConfig(envReader({ GATEWAY_INTROSPECTION: 'false' }))).toMatchObject({
      introspection: false,
      suggestions: true,
    });
  });
});
