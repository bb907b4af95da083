export type { EngineDefinition, EngineName } from './engine.ts';
export { engines } from './engines.ts';
export { findJava17 } from './java.ts';
export { repoRoot, stackLayout } from './layout.ts';
export { resolveClasspath } from './maven.ts';
export { cpuMillis, readPidRecord } from './processes.ts';
export { hasApi, services, startServices, stopServices } from './services.ts';
export type { RunningService, ServiceDefinition, StartServicesOptions } from './services.ts';
export { migrationSettings, runMigrations } from './migrations/runMigrations.ts';
export type { MigrationEndpoints, MigrationSettings } from './migrations/runMigrations.ts';
export { splitCql } from './migrations/cassandraTarget.ts';
export { describeAllAcls } from './migrations/kafkaAcls.ts';
export {
  credentialsEnv,
  credentialsFile,
  enginePrincipals,
  readCredentials,
  signInAsAdmin,
  stackDirFromEnv,
} from './credentials.ts';
export type { Credential, StackCredentials } from './credentials.ts';
