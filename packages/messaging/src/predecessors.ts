import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * A restarted instance takes over from the one it replaces, at once.
 *
 * A consumer killed with `kill -9` cannot leave its group, so the group waits a whole session
 * timeout for it before it hands its partitions on, and a replacement that joins meanwhile
 * waits in that rebalance too. Kafka's answer is static membership (`group.instance.id`), which
 * kafkajs 2.2.4 does not implement. What it comes down to is the same here: each instance has
 * a stable identity (INSTANCE_ID: the pod's name on Kubernetes, `service-port` locally, set by
 * the launcher), carried in its Kafka client id; before joining a group, a starting instance
 * asks the group's coordinator to remove the members that carry its own identity — a previous
 * life of itself, since a live instance never shares it — with the protocol's LeaveGroup
 * request, as the member itself would have on a clean stop. Their uncommitted records are
 * replayed, as after any crash.
 */

/** The instance identity, when the deployment gives one; without it nothing is taken over. */
export function instanceId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const id = env.INSTANCE_ID?.trim();
  return id ? id : undefined;
}

/** The Kafka client id of a service's instance: the service, and the instance when known. */
export function kafkaClientId(service: string, env: NodeJS.ProcessEnv = process.env): string {
  const instance = instanceId(env);
  return instance ? `${service}.${instance}` : service;
}

const clientIds = new WeakMap<Kafka, string>();

/** Remembers the client id of a client made for a known instance (kafkajs does not expose it). */
export function rememberInstanceClient(kafka: Kafka, clientId: string): void {
  clientIds.set(kafka, clientId);
}

/** What a group coordinator is asked; kafkajs's broker object has it, not its public API. */
interface Coordinator {
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<Coordinator>;
}

/**
 * kafkajs keeps its cluster factory behind a module-private symbol; kafkajs is frozen at 2.2.4,
 * so its description is stable. Undefined if a future kafkajs hides it otherwise.
 */
function clusterFactory(kafka: Kafka): ((options: object) => InternalCluster) | undefined {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = symbol && (kafka as unknown as Record<symbol, unknown>)[symbol];
  return typeof factory === 'function' ? (factory as (options: object) => InternalCluster) : undefined;
}

/**
 * Removes this instance's previous lives from `groupId` (members whose client id is this
 * client's, while this client has not joined yet). `admin` is connected, and left so: the
 * consumer's own, which saves a sign-in per group at start-up. Best effort: a failure is
 * logged and the consumer joins as before, waiting for the session timeout.
 */
export async function removePredecessors(kafka: Kafka, admin: Admin, groupId: string, logger: Logger): Promise<number> {
  const clientId = clientIds.get(kafka);
  if (!clientId) return 0;
  try {
    const [group] = (await admin.describeGroups([groupId])).groups;
    const previous = (group?.members ?? []).filter((m) => m.clientId === clientId).map((m) => m.memberId);
    if (previous.length === 0) return 0;
    const factory = clusterFactory(kafka);
    if (!factory) {
      logger.warn({ groupId }, 'cannot remove the previous instance from its group with this kafkajs');
      return 0;
    }
    const cluster = factory({ metadataMaxAge: 300_000, allowAutoTopicCreation: false, maxInFlightRequests: null });
    await cluster.connect();
    try {
      const coordinator = await cluster.findGroupCoordinator({ groupId });
      for (const memberId of previous) await coordinator.leaveGroup({ groupId, memberId });
    } finally {
      await cluster.disconnect().catch(() => undefined);
    }
    logger.info({ groupId, members: previous.length }, 'removed the previous instance from its consumer group');
    return previous.length;
  } catch (err) {
    logger.warn({ err, groupId }, 'could not remove the previous instance from its consumer group');
    return 0;
  }
}
