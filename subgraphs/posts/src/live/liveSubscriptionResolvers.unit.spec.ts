import { DomainError } from '@verograph/domain';
import { describe, expect, it } from 'vitest';

import { liveSubscriptionResolvers } from './liveSubscriptionResolvers.ts';

describe('Subscription fields in the posts subgraph', () => {
  it('refuse with a code and say that the gateway serves them', () => {
    for (const resolve of Object.values(liveSubscriptionResolvers.Subscription)) {
      let thrown: unknown;
      try {
        resolve();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      expect(thrown).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('served by the gateway') });
    }
  });
});
