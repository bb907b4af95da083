import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** What is recorded about each published version: who, when, why, and what it contains. */
export interface PublishedVersion {
  readonly version: string;
  readonly publishedAt: string;
  readonly publisher: string;
  readonly reason: string;
  /** The commit the schema came from, when published from a git checkout. */
  readonly commit: string | undefined;
  readonly subgraphs: readonly string[];
}

/**
 * The registry's history: `schema/history/vNNNN/` holds each published version's subgraph
 * SDL, supergraph, API schema and protobuf image beside a `version.json`. The current
 * version's files also stand at the top of `schema/`, where the gateway and checks read them.
 */
export interface Registry {
  readonly dir: string;
  versions(): Promise<PublishedVersion[]>;
  /** The folder holding one version's files. */
  versionDir(version: string): string;
  record(entry: Omit<PublishedVersion, 'version'>, files: Readonly<Record<string, string>>): Promise<PublishedVersion>;
}

export function registry(schemaDir: string): Registry {
  const historyDir = join(schemaDir, 'history');
  return {
    dir: schemaDir,
    versionDir: (version) => join(historyDir, version),
    async versions() {
      if (!existsSync(historyDir)) return [];
      const names = (await readdir(historyDir)).filter((n) => /^v\d{4,}$/.test(n)).sort();
      return Promise.all(
        names.map(
          async (n) => JSON.parse(await readFile(join(historyDir, n, 'version.json'), 'utf8')) as PublishedVersion,
        ),
      );
    },
    async record(entry, files) {
      const existing = await this.versions();
      const last = existing.at(-1)?.version;
      const next = `v${String(Number(last?.slice(1) ?? 0) + 1).padStart(4, '0')}`;
      const dir = join(historyDir, next);
      await mkdir(dir, { recursive: true });
      for (const [name, source] of Object.entries(files)) {
        await mkdir(join(dir, name, '..'), { recursive: true });
        await copyFile(source, join(dir, name));
      }
      const version: PublishedVersion = { version: next, ...entry };
      await writeFile(join(dir, 'version.json'), `${JSON.stringify(version, null, 2)}\n`);
      return version;
    },
  };
}

/** Who is publishing: SCHEMA_PUBLISHER, else git's user, else the OS user. */
export function publisher(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.SCHEMA_PUBLISHER) return env.SCHEMA_PUBLISHER;
  const git = tryGit(repoRoot, ['config', 'user.email']) ?? tryGit(repoRoot, ['config', 'user.name']);
  return git ?? userInfo().username;
}

export function currentCommit(repoRoot: string): string | undefined {
  return tryGit(repoRoot, ['rev-parse', 'HEAD']);
}

function tryGit(cwd: string, args: string[]): string | undefined {
  try {
    const out = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}
