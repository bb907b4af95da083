import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { engineAddresses } from '@verograph/service';
// The bench runs the job as the stack does: the same Java 17 and the same jars.
import { findJava17, repoRoot, resolveClasspath, stackDirFromEnv } from '@verograph/stack';

import { sleep } from './stats.ts';

const run = promisify(execFile);
const pom = join(repoRoot, 'insights', 'pom.xml');
const jar = join(repoRoot, 'insights', 'target', 'original-insights-0.1.0.jar');

export interface BenchJob {
  readonly child: ChildProcess;
  readonly rest: string;
  readonly checkpointDir: string;
  stop(): Promise<void>;
}

/**
 * A second instance of the insights job (a MiniCluster in its own JVM, as the stack runs it) on
 * the run's own topics (INSIGHTS_TOPIC_PREFIX), group, transactional ids, checkpoint folder and
 * REST port, signed in as the bench (the stack's admin): the stack's own job is left alone.
 */
export async function startBenchJob(options: {
  prefix: string;
  restPort: number;
  checkpointMs: number;
  outOfOrdernessMs: number;
  workDir: string;
  log: string;
}): Promise<BenchJob> {
  if (!existsSync(jar)) {
    console.log('building the insights job (mvn package)…');
    await run('mvn', ['-B', '-q', '-f', pom, 'package', '-DskipTests'], { maxBuffer: 64 * 1024 * 1024 });
  }
  const cache = join(stackDirFromEnv(), 'cache', 'insights-job');
  const classpath = await resolveClasspath(pom, cache, (m) => console.log(m), 'compile');
  const checkpointDir = join(options.workDir, 'checkpoints');
  mkdirSync(checkpointDir, { recursive: true });
  const env = process.env;
  const child = spawn(
    findJava17(),
    [
      '-Xms256m',
      '-Xmx768m',
      '-XX:+UseG1GC',
      `-Dlog4j.configurationFile=${join(repoRoot, 'stack/engines/insights-job/log4j2.properties')}`,
      '--add-opens=java.base/java.util=ALL-UNNAMED',
      '--add-opens=java.base/java.lang=ALL-UNNAMED',
      '-cp',
      `${jar}:${classpath}`,
      'dev.verograph.insights.InsightsJob',
    ],
    {
      cwd: options.workDir,
      env: {
        PATH: env.PATH,
        KAFKA_BROKERS: engineAddresses().kafkaBrokers.join(','),
        KAFKA_USERNAME: env.KAFKA_USERNAME ?? '',
        KAFKA_PASSWORD: env.KAFKA_PASSWORD ?? '',
        INSIGHTS_TOPIC_PREFIX: options.prefix,
        INSIGHTS_GROUP_ID: `${options.prefix}insights-job`,
        INSIGHTS_TRANSACTIONAL_ID_PREFIX: `${options.prefix}insights-job`,
        INSIGHTS_REST_PORT: String(options.restPort),
        INSIGHTS_CHECKPOINT_DIR: pathToFileURL(checkpointDir).href,
        INSIGHTS_CHECKPOINT_INTERVAL_MS: String(options.checkpointMs),
        INSIGHTS_MAX_OUT_OF_ORDERNESS_MS: String(options.outOfOrdernessMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log = createWriteStream(options.log);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const rest = `http://127.0.0.1:${options.restPort}`;
  return {
    child,
    rest,
    checkpointDir,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(200);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Waits until the job is RUNNING on the MiniCluster; its id. */
export async function runningJobId(job: BenchJob, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (job.child.exitCode !== null) throw new Error(`the bench's insights job exited (${job.child.exitCode})`);
    try {
      const overview = await getJson<{ jobs: Array<{ jid: string; state: string }> }>(`${job.rest}/jobs/overview`);
      const running = overview.jobs.find((j) => j.state === 'RUNNING');
      if (running) return running.jid;
    } catch {
      // not listening yet
    }
    await sleep(1_000);
  }
  throw new Error(`the bench's insights job was not RUNNING within ${timeoutMs / 1000} s`);
}

/**
 * Records each of the job's Kafka source operators has emitted (numRecordsOut, summed over its
 * subtasks), by operator: the source is chained with what follows it, so the vertex's own counts
 * are the chain's output, not what was read; and should the planner not reuse a table's scan
 * between the job's statements, each scan reads every record of its topic.
 */
export async function sourceRecords(rest: string, jid: string): Promise<Map<string, number>> {
  const job = await getJson<{ vertices: Array<{ id: string; name: string }> }>(`${rest}/jobs/${jid}`);
  const counts = new Map<string, number>();
  for (const vertex of job.vertices.filter((v) => v.name.includes('Source'))) {
    const base = `${rest}/jobs/${jid}/vertices/${vertex.id}/metrics`;
    const ids = (await getJson<Array<{ id: string }>>(base))
      .map((m) => m.id)
      .filter((id) => /^\d+\.Source.*\.numRecordsOut$/.test(id));
    if (ids.length === 0) continue;
    const values = await getJson<Array<{ id: string; value: string }>>(`${base}?get=${ids.join(',')}`);
    for (const m of values) {
      const operator = `${vertex.id}/${m.id.replace(/^\d+\./, '').replace(/\.numRecordsOut$/, '')}`;
      counts.set(operator, (counts.get(operator) ?? 0) + Number(m.value));
    }
  }
  return counts;
}

export interface CompletedCheckpoint {
  readonly id: number;
  readonly triggerTimestamp: number;
  readonly durationMs: number;
  readonly stateSize: number;
  readonly checkpointedSize: number;
  readonly externalPath: string;
}

export interface CheckpointStats {
  readonly completed: number;
  readonly failed: number;
  readonly latest?: CompletedCheckpoint;
  readonly durations: { readonly avg: number; readonly max: number; readonly p50?: number; readonly p99?: number };
}

/** The job's checkpoint statistics, from Flink's REST API. */
export async function checkpointStats(rest: string, jid: string): Promise<CheckpointStats> {
  type Raw = {
    counts: { completed: number; failed: number };
    summary: { end_to_end_duration: { avg: number; max: number; p50?: number; p99?: number } };
    latest: {
      completed?: {
        id: number;
        trigger_timestamp: number;
        end_to_end_duration: number;
        state_size: number;
        checkpointed_size?: number;
        external_path: string;
      } | null;
    };
  };
  const raw = await getJson<Raw>(`${rest}/jobs/${jid}/checkpoints`);
  const c = raw.latest.completed;
  return {
    completed: raw.counts.completed,
    failed: raw.counts.failed,
    durations: raw.summary.end_to_end_duration,
    ...(c
      ? {
          latest: {
            id: c.id,
            triggerTimestamp: c.trigger_timestamp,
            durationMs: c.end_to_end_duration,
            stateSize: c.state_size,
            checkpointedSize: c.checkpointed_size ?? c.state_size,
            externalPath: c.external_path,
          },
        }
      : {}),
  };
}

/** Waits for a checkpoint triggered after `after` (epoch ms) to complete. */
export async function checkpointAfter(rest: string, jid: string, after: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stats = await checkpointStats(rest, jid);
    if (stats.latest && stats.latest.triggerTimestamp > after) return stats;
    await sleep(500);
  }
  throw new Error(`no checkpoint completed within ${timeoutMs / 1000} s`);
}

/** Each vertex's current input watermark (Flink REST), as text for an error message. */
export async function watermarks(rest: string, jid: string): Promise<string> {
  try {
    const job = await getJson<{ vertices: Array<{ id: string; name: string }> }>(`${rest}/jobs/${jid}`);
    const lines = await Promise.all(
      job.vertices.map(async (v) => {
        const marks = await getJson<Array<{ id: string; value: string }>>(
          `${rest}/jobs/${jid}/vertices/${v.id}/watermarks`,
        );
        const at = marks.map((m) => Number(m.value)).map((n) => (n > 0 ? new Date(n).toISOString() : String(n)));
        return `${v.name.slice(0, 60)}: ${at.join(',')}`;
      }),
    );
    return lines.join('; ');
  } catch (error) {
    return `not available (${(error as Error).message})`;
  }
}
