/**
 * The contract every local engine implements. The stack CLI (`npm run stack`) owns the
 * life cycle — pid files, ports, logs, waiting, timing — and asks each engine only for
 * what differs: how to prepare its files, which process to start, and how to tell that
 * it really serves.
 */
import type { StackCredentials } from './credentials.ts';

export type EngineName = 'kafka' | 'cassandra' | 'elasticsearch' | 'postgres' | 'insights-job';

export interface EngineContext {
  /** Absolute path of the repository root. */
  readonly root: string;
  /** This engine's own data folder, under the stack's git-ignored `.stack/` folder. */
  readonly dataDir: string;
  /** Folder for logs; the CLI redirects the process's stdout/stderr to `<logDir>/<engine>.log`. */
  readonly logDir: string;
  /** Folder for resolved classpaths and other derived files that survive `reset`. */
  readonly cacheDir: string;
  /** Listen address, 127.0.0.1 unless overridden. */
  readonly host: string;
  /** The client-facing port (after environment overrides). */
  readonly port: number;
  /** Extra ports the engine binds (after environment overrides), keyed by purpose. */
  readonly extraPorts: Readonly<Record<string, number>>;
  /** Every principal's credential on every engine (generated on first use, kept under the stack folder). */
  readonly credentials: StackCredentials;
  /** The `java` executable to use (Java 17). */
  readonly java: string;
  /** Progress messages for the person running the CLI. */
  log(message: string): void;
}

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export interface EngineDefinition {
  readonly name: EngineName;
  /** The pinned version the engine runs. */
  readonly version: string;
  /** Environment variable overriding the client port, e.g. `KAFKA_PORT`. */
  readonly portEnv: string;
  readonly defaultPort: number;
  /** Other ports it binds: name → [env var, default]. */
  readonly extraPorts: Readonly<Record<string, readonly [env: string, port: number]>>;
  /** Whether it runs on the JVM (then Java 17 and Maven are required). */
  readonly jvm: boolean;
  /** Maximum heap the engine is given, for display (e.g. `1g`). */
  readonly heap: string;
  /** The URL/address printed by `status`. */
  address(ctx: EngineContext): string;
  /**
   * Idempotent preparation before start: resolve jars (reusing the Maven cache), write
   * configuration, initialise storage on first start. Must be fast when nothing changed.
   */
  prepare(ctx: EngineContext): Promise<void>;
  /** The long-running foreground process. The CLI starts it detached and records its pid. */
  process(ctx: EngineContext): ProcessSpec;
  /**
   * True when the engine really serves clients (a real request through its protocol),
   * not merely when its port is open. Must not throw; resolves false when not ready.
   */
  healthy(ctx: EngineContext): Promise<boolean>;
  /**
   * Once the engine is healthy (on every `up`): makes its principals — the stack's admin and a
   * principal per service, with the credentials of `ctx.credentials` — exist and sign in,
   * replacing any built-in default superuser. Idempotent. What each principal may do is granted
   * by migrations. Absent for an engine that authenticates through its configuration alone.
   */
  ensurePrincipals?(ctx: EngineContext): Promise<void>;
  /**
   * Started only once the other engines serve and are migrated: a process that uses them (the
   * insights job needs Kafka, its principal, its ACLs and its topics), not an engine of its own.
   */
  readonly startsAfterMigrations?: boolean;
  /** How long to wait for health on start before giving up. */
  readonly startTimeoutMs: number;
}
