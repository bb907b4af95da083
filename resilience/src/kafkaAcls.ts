import { createKafka } from '@verograph/messaging';
import kafkajs from 'kafkajs';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
const nameOf = (names: object, value: number) =>
  Object.entries(names).find(([, v]) => v === value)?.[0] ?? String(value);

/** Every ACL of the brokers, one line each (principal, operation, resource), read as the stack's admin. */
export async function describeKafkaAcls(brokers: string): Promise<string> {
  const admin = createKafka('resilience-acls', brokers.split(',')).admin();
  await admin.connect();
  try {
    const described = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const lines = described.resources.flatMap((resource) =>
      resource.acls.map(
        (acl) =>
          `${acl.principal} ${nameOf(AclPermissionTypes, acl.permissionType)} ${nameOf(AclOperationTypes, acl.operation)} ` +
          `${nameOf(AclResourceTypes, resource.resourceType)}:${resource.resourceName} (${nameOf(ResourcePatternTypes, resource.resourcePatternType)})`,
      ),
    );
    return lines.length > 0 ? lines.sort().join('\n') : '(none)';
  } finally {
    await admin.disconnect();
  }
}
