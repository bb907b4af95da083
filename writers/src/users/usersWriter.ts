import type cassandra from 'cassandra-driver';

import type { AggregateWriter } from '../writer/aggregateWriter.ts';
import { evolveUserState } from './evolveUser.ts';
import { decideUser, userAggregateId } from './decideUser.ts';
import { decodeUserCommand, decodeUserEvent, encodeUserEvent } from './userCodec.ts';
import type { UserCommand, UserEvent, UserState } from './userModel.ts';
import { createUserStore } from './userStore.ts';

/** The users writer: profiles, follows and connections, from users.commands to users.events. */
export function createUsersWriter(client: cassandra.Client): AggregateWriter<UserCommand, UserEvent, UserState> {
  const store = createUserStore(client);
  return {
    aggregate: 'users',
    decode: decodeUserCommand,
    aggregateIdOf: userAggregateId,
    load: (command, meta) => store.load(command, meta),
    decide: decideUser,
    evolve: evolveUserState,
    reserve: (command, events, state) => store.reserve(command, events, state),
    encodeEvent: encodeUserEvent,
    decodeEvent: decodeUserEvent,
    apply: (events) => store.apply(events),
  };
}
