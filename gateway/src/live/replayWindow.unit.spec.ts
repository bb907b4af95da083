import { describe, expect, it } from 'vitest';

import { createReplayWindow, type LiveRecord } from './replayWindow.ts';

const record = (offset: number, key: string, timestamp = 1_000, partition = 0): LiveRecord<string> => ({
  partition,
  offset,
  timestamp,
  key,
  value: `${key}@${offset}`,
});

describe('replay window', () => {
  it("replays one key's records after a cursor, in order, skipping other keys", () => {
    const window = createReplayWindow<string>({ maxAgeMs: 60_000, maxEventsPerPartition: 100, now: () => 1_000 });
    window.cover(0, 10);
    for (const [offset, key] of [
      [10, 'a'],
      [11, 'b'],
      [12, 'a'],
      [13, 'a'],
    ] as const)
      window.append(record(offset, key));
    const replay = window.since(0, 10, 'a');
    expect(replay.ok && replay.records.map((r) => r.value)).toEqual(['a@12', 'a@13']);
    const fromStart = window.since(0, 9, 'a');
    expect(fromStart.ok && fromStart.records.map((r) => r.offset)).toEqual([10, 12, 13]);
    const caughtUp = window.since(0, 13, 'a');
    expect(caughtUp.ok && caughtUp.records).toEqual([]);
  });

  it('drops a redelivered offset', () => {
    const window = createReplayWindow<string>({ maxAgeMs: 60_000, maxEventsPerPartition: 100, now: () => 1_000 });
    expect(window.append(record(5, 'a'))).toBe(true);
    expect(window.append(record(5, 'a'))).toBe(false);
    expect(window.append(record(4, 'a'))).toBe(false);
    expect(window.size).toBe(1);
  });

  it('expires a cursor older than what it covers, by count', () => {
    const window = createReplayWindow<string>({ maxAgeMs: 60_000, maxEventsPerPartition: 3, now: () => 1_000 });
    window.cover(0, 0);
    for (let offset = 0; offset < 6; offset++) window.append(record(offset, 'a'));
    expect(window.size).toBe(3);
    expect(window.since(0, 1, 'a')).toEqual({ ok: false, reason: 'expired' });
    const edge = window.since(0, 2, 'a');
    expect(edge.ok && edge.records.map((r) => r.offset)).toEqual([3, 4, 5]);
  });

  it('expires a cursor older than the age limit, even with no new records', () => {
    let clock = 1_000;
    const window = createReplayWindow<string>({ maxAgeMs: 500, maxEventsPerPartition: 100, now: () => clock });
    window.cover(0, 0);
    window.append(record(0, 'a', 1_000));
    window.append(record(1, 'a', 1_200));
    clock = 1_600;
    expect(window.since(0, -1, 'a')).toEqual({ ok: false, reason: 'expired' });
    const replay = window.since(0, 0, 'a');
    expect(replay.ok && replay.records.map((r) => r.offset)).toEqual([1]);
    clock = 5_000;
    // Everything aged out, but a client at the last offset missed nothing.
    expect(window.since(0, 1, 'a')).toEqual({ ok: true, records: [] });
  });

  it('treats an unknown partition as beyond reach, and keeps partitions apart', () => {
    const window = createReplayWindow<string>({ maxAgeMs: 60_000, maxEventsPerPartition: 100, now: () => 1_000 });
    window.cover(1, 0);
    window.append(record(0, 'a', 1_000, 1));
    expect(window.since(7, 0, 'a')).toEqual({ ok: false, reason: 'expired' });
    const replay = window.since(1, -1, 'a');
    expect(replay.ok && replay.records.map((r) => r.partition)).toEqual([1]);
  });

  it('stays bounded over many records (compacts what it evicted)', () => {
    const window = createReplayWindow<string>({ maxAgeMs: 60_000, maxEventsPerPartition: 10, now: () => 1_000 });
    for (let offset = 0; offset < 50_000; offset++) window.append(record(offset, 'k'));
    expect(window.size).toBe(10);
    const replay = window.since(0, 49_994, 'k');
    expect(replay.ok && replay.records.map((r) => r.offset)).toEqual([49_995, 49_996, 49_997, 49_998, 49_999]);
  });
});
