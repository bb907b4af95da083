import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { repoRoot } from './layout.ts';

/**
 * Who may talk to which engine. Each service has its own principal (Kafka user, Cassandra role,
 * PostgreSQL role) named after it, so an engine's grants say what each one may do; `admin`
 * is the stack's own: migrations, tooling and the integration tests.
 */
export const enginePrincipals = {
  kafka: ['admin', 'writers', 'projectors', 'gateway', 'users', 'posts', 'collections', 'insights-job'],
  cassandra: ['admin', 'writers', 'projectors', 'users', 'posts', 'collections', 'search', 'insights'],
  postgres: ['admin', 'projectors', 'collections'],
} as const;

export type AuthEngine = keyof typeof enginePrincipals;
export type Principal<E extends AuthEngine> = (typeof enginePrincipals)[E][number];

export interface Credential {
  readonly username: string;
  readonly password: string;
}

/** Every principal's credential, per engine: what `.stack/credentials.json` holds. */
export type StackCredentials = { readonly [E in AuthEngine]: Readonly<Record<Principal<E>, Credential>> };

/**
 * The name each engine knows a principal by. Cassandra's and PostgreSQL's built-in superusers
 * (`cassandra`, `postgres`) are not used by anything: the stack's admin is its own role.
 */
export function principalName(engine: AuthEngine, principal: string): string {
  if (principal !== 'admin') return principal;
  return engine === 'kafka' ? 'admin' : 'verograph_admin';
}

/** Where the credentials of a stack folder live (`STACK_DIR`, `.stack/` by default). */
export function credentialsFile(stackDir: string): string {
  return resolve(stackDir, 'credentials.json');
}

// 24 random bytes: 192 bits, base64url so that no engine's configuration syntax needs escaping.
const newPassword = (): string => randomBytes(24).toString('base64url');

function generate(previous: Partial<Record<AuthEngine, Record<string, Credential>>> = {}): StackCredentials {
  const credentials: Record<string, Record<string, Credential>> = {};
  for (const [engine, principals] of Object.entries(enginePrincipals) as Array<[AuthEngine, readonly string[]]>) {
    // A principal this code does not know is kept: another checkout sharing the stack (or a
    // later version of this one) may know it, and its engines keep the password it was given.
    credentials[engine] = {
      ...previous[engine],
      ...Object.fromEntries(
        principals.map((p) => [
          p,
          previous[engine]?.[p] ?? { username: principalName(engine, p), password: newPassword() },
        ]),
      ),
    };
  }
  return credentials as unknown as StackCredentials;
}

/**
 * The stack's credentials, generated on first use (random, per stack folder) and kept,
 * readable by their owner only, beside the data they protect: they survive `reset`, so a
 * service configured once keeps working. A principal added to the code later is given a
 * password on the next `up`.
 */
export function ensureCredentials(stackDir: string): StackCredentials {
  const file = credentialsFile(stackDir);
  const existing = existsSync(file) ? readCredentials(stackDir) : undefined;
  const credentials = generate(existing);
  if (existing && JSON.stringify(existing) === JSON.stringify(credentials)) return existing;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return credentials;
}

/** Reads the credentials of an existing stack; says what to do when there are none. */
export function readCredentials(stackDir: string): StackCredentials {
  const file = credentialsFile(stackDir);
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: start the stack once (npm run stack -- up) to generate its credentials`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as StackCredentials;
}

/** The stack folder the environment names (`STACK_DIR`, relative to the repository). */
export function stackDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(repoRoot, env.STACK_DIR ?? '.stack');
}

/**
 * The environment a service (or, as `admin`, a test or tool) needs to sign in to every engine
 * it uses: KAFKA_USERNAME/KAFKA_PASSWORD, CASSANDRA_USERNAME/CASSANDRA_PASSWORD and
 * POSTGRES_USERNAME/POSTGRES_PASSWORD. An engine the service has no principal on gets empty ones.
 */
export function credentialsEnv(credentials: StackCredentials, principal: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const engine of Object.keys(enginePrincipals) as AuthEngine[]) {
    const credential = (credentials[engine] as Record<string, Credential | undefined>)[principal];
    const prefix = engine.toUpperCase();
    // Empty, not absent: a service must not inherit its parent's (a test's admin) sign-in.
    env[`${prefix}_USERNAME`] = credential?.username ?? '';
    env[`${prefix}_PASSWORD`] = credential?.password ?? '';
  }
  return env;
}

/**
 * Signs this process's own engine clients in as the stack's admin (tests, benches, tools): sets
 * each *_USERNAME / *_PASSWORD variable that is not set already, from the credentials of the
 * stack folder in `STACK_DIR`. Services never do this; the launcher gives them their own.
 */
export function signInAsAdmin(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(credentialsEnv(readCredentials(stackDirFromEnv(env)), 'admin'))) {
    env[name] ||= value;
  }
}
