import { describe, expect, it } from 'vitest';

import { APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, preferredMediaType, TEXT_HTML } from './mediaTypes.ts';

const graphql = [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON];

describe('preferred media type', () => {
  it('defaults to application/json when the client says nothing or accepts anything', () => {
    expect(preferredMediaType(undefined, graphql)).toBe(APPLICATION_JSON);
    expect(preferredMediaType('*/*', graphql)).toBe(APPLICATION_JSON);
  });

  it('honours q-values and specificity', () => {
    expect(preferredMediaType('application/graphql-response+json, application/json;q=0.9', graphql)).toBe(
      GRAPHQL_RESPONSE_JSON,
    );
    expect(preferredMediaType('application/json, application/graphql-response+json', graphql)).toBe(APPLICATION_JSON);
    expect(preferredMediaType('application/*;q=0.5, application/graphql-response+json', graphql)).toBe(
      GRAPHQL_RESPONSE_JSON,
    );
    expect(preferredMediaType('application/json;q=0', graphql)).toBeUndefined();
    expect(preferredMediaType('image/png', graphql)).toBeUndefined();
  });

  it("tells a browser's navigation from an API client", () => {
    const offers = [...graphql, TEXT_HTML];
    expect(preferredMediaType('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', offers)).toBe(
      TEXT_HTML,
    );
    expect(preferredMediaType('application/json', offers)).toBe(APPLICATION_JSON);
    expect(preferredMediaType('*/*', offers)).toBe(APPLICATION_JSON);
  });
});
