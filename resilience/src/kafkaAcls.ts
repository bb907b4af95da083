import { createKafka } from '@verograph/messaging';
import { describeAllAcls } from '@verograph/stack';
import kafkajs from 'kafkajs';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
const nameOf = (names: object, value: number) =>
  Object.entries(names).find(([, v]) => v === value)?.[0] ?? String(value);

/** Every ACL of the brokers, one line each (principal, operation, resource), read as the stack's admin. */
export async function describeKafkaAcls(brokers: string): Promise<string> {
  const admin = createKafka('resilience-acls', brokers.split(',')).admin();
  await admin.connect();
  try {
    const lines = (await describeAllAcls(admin)).map(
      (acl) =>
        `${acl.principal} ${nameOf(AclPermissionTypes, acl.permissionType)} ${nameOf(AclOperationTypes, acl.operation)} ` +
        `${nameOf(AclResourceTypes, acl.resourceType)}:${acl.resourceName} (${nameOf(ResourcePatternTypes, acl.resourcePatternType)})`,
    );
    return lines.length > 0 ? lines.sort().join('\n') : '(none)';
  } finally {
    await admin.disconnect();
  }
}
