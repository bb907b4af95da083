import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ProcessSpec } from './engine.ts';

/** What `up` records about a process it started, so `down` stops exactly that process. */
export interface PidRecord {
  readonly pid: number;
  /** Kernel start time of the process (clock ticks since boot): guards against pid reuse. */
  readonly startTicks: number;
  readonly version: string;
  readonly address: string;
  readonly startedAt: string;
}

interface ProcStat {
  readonly state: string;
  readonly pgrp: number;
  /** CPU time used so far, user + system, in clock ticks. */
  readonly cpuTicks: number;
  readonly startTicks: number;
}

/** Clock ticks per second as /proc counts them (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      state: fields[0] ?? '?',
      pgrp: Number(fields[2]),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
      startTicks: Number(fields[19]),
    };
  } catch {
    return undefined;
  }
}

/** Milliseconds of CPU (user + system) the process has used, or undefined once it is gone. */
export function cpuMillis(pid: number): number | undefined {
  const stat = procStat(pid);
  return stat === undefined ? undefined : (stat.cpuTicks * 1000) / TICKS_PER_SECOND;
}

/** Starts a process in its own process group, detached from the CLI, logging to a file. */
export function startDetached(spec: ProcessSpec, logFile: string): { pid: number; startTicks: number } {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    const stat = procStat(child.pid);
    return { pid: child.pid, startTicks: stat?.startTicks ?? 0 };
  } finally {
    closeSync(fd);
  }
}

export function readPidRecord(file: string): PidRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

export function writePidRecord(file: string, record: PidRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

export function removePidRecord(file: string): void {
  rmSync(file, { force: true });
}

/** True when the recorded process still runs and is the very process we started. */
export function isRunning(record: PidRecord): boolean {
  const stat = procStat(record.pid);
  return stat !== undefined && stat.state !== 'Z' && (record.startTicks === 0 || stat.startTicks === record.startTicks);
}

/** Every live pid in the process group that `up` created for an engine. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    // A zombie has already exited; it only waits for its parent to collect it.
    if (stat?.pgrp === pgid && stat.state !== 'Z') members.push(Number(entry));
  }
  return members;
}

/** Resident memory of the engine's whole process group (PostgreSQL forks a process per role). */
export function groupRssBytes(pgid: number): number {
  let total = 0;
  for (const pid of groupMembers(pgid)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match?.[1]) total += Number(match[1]) * 1024;
    } catch {
      // The process ended while we were reading; it holds no memory any more.
    }
  }
  return total;
}

/**
 * Stops a process group politely (SIGTERM lets engines flush), then forcibly once the
 * grace period is over. Resolves when no member of the group is left.
 */
export async function stopGroup(record: PidRecord, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isRunning(record)) return groupMembers(record.pid).length === 0 ? 'not-running' : killGroup(record.pid);
  signalGroup(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (groupMembers(record.pid).length === 0) return 'stopped';
    await sleep(200);
  }
  return killGroup(record.pid);
}

async function killGroup(pgid: number): Promise<'killed'> {
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 50 && groupMembers(pgid).length > 0; i++) await sleep(100);
  return 'killed';
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
