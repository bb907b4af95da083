import type { Envelope } from '@verograph/contracts/common/v1/envelope';
import type { MessageProducer } from '@verograph/messaging';
import type { Logger } from '@verograph/service';
import type { Registry } from 'prom-client';

import type { MutationLimits } from './admission.ts';
import { createCommandBus, type CommandBus, type CommandResult } from './commandBus.ts';
import { commandIdFor, hasIdempotencyKey, idempotencyKeyOf } from './commandId.ts';
import { createOutcomeReader } from './outcomes.ts';
import { signedInViewer, type ViewerRequest } from '../server/viewerRequest.ts';
import type { CqlClient } from '../store/cassandra.ts';

/** A subgraph's options for its mutations, as its composition root (or a spec) gives them. */
export interface SubgraphCommandOptions {
  readonly producer: MessageProducer;
  readonly mutationWaitMs: number;
  /** Admission control of the command bus; `defaultMutationLimits` when absent. */
  readonly mutationLimits?: MutationLimits;
  /** ID_DERIVATION_SECRET (`readIdDerivationSecret`), shared by every instance. */
  readonly idSecret: string;
  /** Where its commands go; the subgraph's own commands topic unless a spec gives one of its own. */
  readonly commandsTopic?: string;
}

/** The command path of a subgraph, built once at start and shared by every request. */
export interface CommandServices {
  readonly bus: CommandBus;
  /** ID_DERIVATION_SECRET: keys the ids derived from clients' idempotency keys (see `commandIdFor`). */
  readonly idSecret: string;
  /** The topic the subgraph's commands go to (e.g. `posts.commands`). */
  readonly commandsTopic: string;
}

/**
 * The command bus, waiting on the writers' decision log in `cassandra`, and where commands go:
 * `defaultTopic` unless the options name another.
 */
export function createCommandServices(
  options: SubgraphCommandOptions & {
    readonly cassandra: CqlClient;
    readonly logger: Logger;
    readonly metrics: Registry;
  },
  defaultTopic: string,
): CommandServices {
  return {
    bus: createCommandBus({
      producer: options.producer,
      outcomes: createOutcomeReader(options.cassandra),
      waitMs: options.mutationWaitMs,
      limits: options.mutationLimits,
      metrics: options.metrics,
      logger: options.logger,
    }),
    idSecret: options.idSecret,
    commandsTopic: options.commandsTopic ?? defaultTopic,
  };
}

/** What every mutation says of the one command it sends. */
export interface CommandSpec {
  /** The GraphQL mutation's name. */
  readonly mutation: string;
  /** The mutation's target, part of the command id (see `commandIdFor`). */
  readonly scope?: readonly string[];
  readonly clientMutationId: string | null | undefined;
  /**
   * Whether the viewer may see the command's target now: checked on every send, a resend
   * answered from the record included (see `CommandRights.sees`).
   */
  readonly sees?: (viewerId: string) => Promise<void>;
  /** The viewer's rights, checked against the read model when the command is new. */
  readonly check?: (viewerId: string) => Promise<void>;
}

/** The ids of a viewer's command, as `sendViewerCommand` derives them. */
export interface ViewerCommandIds {
  /** The signed-in viewer: the command's actor. */
  readonly viewerId: string;
  readonly commandId: string;
}

/** A command as the subgraph builds it around the ids `sendViewerCommand` derives. */
export interface ViewerCommand extends CommandSpec {
  /** What the viewer must sign in to do, said to an anonymous one (UNAUTHENTICATED). */
  readonly signInTo: string;
  /** The aggregate the command belongs to (its record key); a created one derives from the command id. */
  readonly aggregateId: (ids: ViewerCommandIds) => string;
  /** The subgraph's protobuf command (e.g. `PostCommand`) around the envelope, encoded. */
  readonly encode: (envelope: Envelope, ids: ViewerCommandIds & { readonly aggregateId: string }) => Uint8Array;
}

export interface ViewerCommandRun extends ViewerCommandIds {
  readonly aggregateId: string;
  readonly result: CommandResult;
  /** Until when the payload may wait for the read model to show the change. */
  readonly deadline: number;
}

/**
 * Publishes a signed-in viewer's one command on the subgraph's commands topic, keyed by its
 * aggregate, and awaits its outcome: the command id derives from the viewer, the mutation, its
 * target and the idempotency key (clientMutationId, else the Idempotency-Key header).
 */
export async function sendViewerCommand(
  viewer: ViewerRequest,
  services: CommandServices,
  command: ViewerCommand,
): Promise<ViewerCommandRun> {
  const viewerId = signedInViewer(viewer, command.signInTo);
  const { bus, commandsTopic } = services;
  const deadline = Date.now() + bus.waitMs;
  const idempotencyKey = idempotencyKeyOf(command.clientMutationId, viewer.idempotencyKey);
  const commandId = commandIdFor({
    secret: services.idSecret,
    viewerId,
    mutation: command.mutation,
    idempotencyKey,
    scope: command.scope,
  });
  const aggregateId = command.aggregateId({ viewerId, commandId });
  const result = await bus.dispatch(
    {
      topic: commandsTopic,
      aggregateId,
      commandId,
      // A fresh id (no idempotency key) has no recorded decision to look up.
      resendable: hasIdempotencyKey(idempotencyKey),
      actorId: viewerId,
      trace: viewer.trace,
      encode: (envelope) => command.encode(envelope, { viewerId, commandId, aggregateId }),
    },
    {
      sees: command.sees && (() => command.sees!(viewerId)),
      check: command.check && (() => command.check!(viewerId)),
    },
    { sentAt: viewer.sentAt },
  );
  return { viewerId, commandId, aggregateId, result, deadline };
}
