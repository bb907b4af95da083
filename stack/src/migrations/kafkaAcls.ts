import type { AclEntry, Admin } from 'kafkajs';
import kafkajs from 'kafkajs';

import type { Migration } from './migration.ts';

// kafkajs is CommonJS: its enums are reachable from the default export only.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** What one principal may do, as a Kafka migration file declares it. */
export interface PrincipalRights {
  /** Topics it reads (as a consumer, or through the admin API's offsets). */
  readonly consume: readonly string[];
  /** Topics it writes to. */
  readonly produce: readonly string[];
  /** Its consumer groups all start with this: it may join, commit, describe and delete them. */
  readonly groupPrefix: string;
  /**
   * Its Kafka transactional ids all start with this: it may use them (WRITE, which implies
   * DESCRIBE). Only a transactional producer needs it, such as the insights job's exactly-once sinks.
   */
  readonly transactionalIdPrefix?: string;
}

interface AclMigration {
  readonly principals?: Readonly<Record<string, PrincipalRights>>;
}

/** The ACL bindings that grant exactly the declared rights (READ and WRITE imply DESCRIBE). */
export function aclBindings(principals: Readonly<Record<string, PrincipalRights>>): AclEntry[] {
  return Object.entries(principals).flatMap(([name, rights]) => {
    const base = { principal: `User:${name}`, host: '*', permissionType: AclPermissionTypes.ALLOW };
    const topic = (resourceName: string, operation: number): AclEntry => ({
      ...base,
      resourceType: AclResourceTypes.TOPIC,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation,
    });
    const group = (operation: number): AclEntry => ({
      ...base,
      resourceType: AclResourceTypes.GROUP,
      resourceName: rights.groupPrefix,
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      operation,
    });
    const transactions: AclEntry[] =
      rights.transactionalIdPrefix === undefined
        ? []
        : [
            {
              ...base,
              resourceType: AclResourceTypes.TRANSACTIONAL_ID,
              resourceName: rights.transactionalIdPrefix,
              resourcePatternType: ResourcePatternTypes.PREFIXED,
              operation: AclOperationTypes.WRITE,
            },
          ];
    // Every producer here is idempotent: its InitProducerId needs IDEMPOTENT_WRITE on the cluster.
    // Kafka also lets it through on WRITE to any topic, but only by scanning every ACL of the
    // principal (Authorizer.authorizeByResourceType); granted outright, start-up does not depend
    // on that fallback.
    const idempotence: AclEntry[] =
      rights.produce.length === 0
        ? []
        : [
            {
              ...base,
              resourceType: AclResourceTypes.CLUSTER,
              resourceName: 'kafka-cluster',
              resourcePatternType: ResourcePatternTypes.LITERAL,
              operation: AclOperationTypes.IDEMPOTENT_WRITE,
            },
          ];
    return [
      ...rights.consume.map((t) => topic(t, AclOperationTypes.READ)),
      ...rights.produce.map((t) => topic(t, AclOperationTypes.WRITE)),
      ...idempotence,
      group(AclOperationTypes.READ),
      group(AclOperationTypes.DELETE),
      ...transactions,
    ];
  });
}

const keyOf = (a: AclEntry): string =>
  [a.principal, a.host, a.resourceType, a.resourceName, a.resourcePatternType, a.operation, a.permissionType].join('|');

/**
 * Each principal's rights as the migration files declare them, in order: a file that names a
 * principal states ALL its rights, replacing what earlier files said (so a later file can take
 * a right away). A file that adds a topic to an existing principal restates the rest too.
 */
export function declaredPrincipals(migrations: readonly Migration[]): Record<string, PrincipalRights> {
  const principals: Record<string, PrincipalRights> = {};
  for (const migration of migrations)
    Object.assign(principals, (JSON.parse(migration.body) as AclMigration).principals);
  return principals;
}

/**
 * Kafka's ACLs are declarative like its topics: every `up` makes the brokers' ACLs of the
 * declared principals equal to the union of the migration files (a principal's rights are those
 * of the LAST file that names it: a later file replaces them whole, it does not add to them), creating what is missing and
 * deleting what is no longer declared (a right taken away in a later file is really gone).
 * Principals no file names (the admin, a super user) are left alone.
 */
export async function reconcileAcls(
  admin: Admin,
  migrations: readonly Migration[],
  settleTimeoutMs = 30_000,
): Promise<string[]> {
  const principals = declaredPrincipals(migrations);
  const wanted = new Map(aclBindings(principals).map((a) => [keyOf(a), a]));
  const managed = new Set(Object.keys(principals).map((p) => `User:${p}`));
  const existing = await managedAcls(admin, managed);

  const changes: string[] = [];
  const missing = [...wanted].filter(([key]) => !existing.has(key)).map(([, acl]) => acl);
  if (missing.length > 0) {
    await admin.createAcls({ acl: missing });
    changes.push(`granted ${missing.length} ACLs`);
  }
  const stale = [...existing].filter(([key]) => !wanted.has(key)).map(([, acl]) => acl);
  if (stale.length > 0) {
    await admin.deleteAcls({ filters: stale });
    changes.push(`revoked ${stale.length} ACLs`);
  }
  if (changes.length > 0) await untilEnforced(admin, managed, wanted, settleTimeoutMs);
  return changes;
}

/**
 * Every ACL binding the brokers hold, whoever it is for, each with its resource: the one
 * DescribeAcls call of the reconciliation and of whatever reports the brokers' ACLs.
 */
export async function describeAllAcls(admin: Admin): Promise<AclEntry[]> {
  const described = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return described.resources.flatMap((resource) =>
    resource.acls.map((acl): AclEntry => ({
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      resourcePatternType: resource.resourcePatternType,
      ...acl,
    })),
  );
}

/** The ACLs the brokers hold for the managed principals, by key. */
async function managedAcls(admin: Admin, managed: ReadonlySet<string>): Promise<Map<string, AclEntry>> {
  const held = (await describeAllAcls(admin)).filter((acl) => managed.has(acl.principal));
  return new Map(held.map((acl) => [keyOf(acl), acl]));
}

/**
 * Waits until the brokers enforce exactly the wanted ACLs. In KRaft, CreateAcls and DeleteAcls
 * answer once the controller has committed the change; a broker applies it when its metadata
 * catches up, seconds later on a busy machine. A service started in between is refused (the
 * writers died at InitProducerId with "Cluster authorization failed" on a fresh stack), so a
 * migration is done only when the brokers say so.
 */
async function untilEnforced(
  admin: Admin,
  managed: ReadonlySet<string>,
  wanted: ReadonlyMap<string, AclEntry>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await managedAcls(admin, managed);
    const differs = held.size !== wanted.size || [...wanted.keys()].some((key) => !held.has(key));
    if (!differs) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `Kafka's brokers still do not enforce the declared ACLs ${timeoutMs} ms after they were written ` +
          `(${held.size} held, ${wanted.size} declared)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
