/** One command outcome the writers published on commands.outcomes. */
export interface SeenOutcome {
  readonly commandId: string;
  readonly status: 'APPLIED' | 'REJECTED';
  readonly reasonCode: string;
  /** The decision's identity: an outcome replayed from the decision log repeats it exactly. */
  readonly decision: string;
}

/** What reached the commands topics and commands.outcomes while the soak ran (other clients' records too). */
export interface SeenCommands {
  /** Copies of each command on the commands topics, by its `command-id` header (a resend adds a copy). */
  readonly copies: ReadonlyMap<string, number>;
  /** Every outcome, in arrival order. */
  readonly outcomes: readonly SeenOutcome[];
  /** Set when reading the topics failed: what was seen is then incomplete. */
  readonly crashed?: () => string | undefined;
  /** Records the watch was handed again after its consumer rejoined (same topic, partition and offset): not counted. */
  readonly reread?: () => number;
}

/**
 * Answers true the first time it is shown a record's position, false for a position at or
 * before one already shown on that partition. A partition is read in offset order, so a record
 * at or below the highest offset seen is one the consumer was handed again (after a rejoin it
 * resumes from the last committed offset): counted twice, it would look like a command decided
 * twice.
 */
export function createReadOnce(): (topic: string, partition: number, offset: string) => boolean {
  const highest = new Map<string, bigint>();
  return (topic, partition, offset) => {
    const key = `${topic}/${partition}`;
    const at = BigInt(offset);
    const seen = highest.get(key);
    if (seen !== undefined && at <= seen) return false;
    highest.set(key, at);
    return true;
  };
}

export interface DecisionCheck {
  /** Commands the soak's mutations were answered for (the payload's commandId). */
  readonly commands: number;
  /** Of those, commands not found on the commands topics. */
  readonly notInKafka: number;
  /** Commands with no outcome (lost, or not decided yet when the wait ended). */
  readonly undecided: number;
  /** Commands decided twice: two different decisions (time or events) published for one command id. */
  readonly decidedTwice: number;
  /**
   * Commands whose one decision was published more often than the command reached Kafka, each
   * copy identical: a batch retried after its send, or records redelivered after a rebalance,
   * answered again from the decision log. At-least-once delivery of one decision, not a second
   * decision: reported, not failed on.
   */
  readonly republished: number;
  /** Records the watch read twice and counted once (see `createReadOnce`). */
  readonly reread: number;
  /** Commands not APPLIED, by reason (the soak sends only commands that must apply). */
  readonly notApplied: Readonly<Record<string, number>>;
  /** Why the topics could not be read to the end, if so. */
  readonly watchFailed: string | undefined;
  readonly ok: boolean;
}

/**
 * Every command decided exactly once: each command the soak's mutations were answered for is
 * on a commands topic, has an outcome, one distinct decision however often it was published
 * (a resend, a redelivery and a retried batch are all answered from the decision log with the
 * identical outcome: its decision time and event ids), and is APPLIED. Records of other clients
 * sharing the topics are ignored.
 */
export function checkDecisions(seen: SeenCommands, answered: ReadonlySet<string>): DecisionCheck {
  const byCommand = new Map<string, SeenOutcome[]>();
  for (const o of seen.outcomes) {
    if (answered.has(o.commandId)) byCommand.set(o.commandId, [...(byCommand.get(o.commandId) ?? []), o]);
  }
  let notInKafka = 0;
  let undecided = 0;
  let decidedTwice = 0;
  let republished = 0;
  const notApplied: Record<string, number> = {};
  for (const commandId of answered) {
    const copies = seen.copies.get(commandId) ?? 0;
    if (copies === 0) notInKafka++;
    const outcomes = byCommand.get(commandId) ?? [];
    if (outcomes.length === 0) {
      undecided++;
      continue;
    }
    if (new Set(outcomes.map((o) => o.decision)).size > 1) decidedTwice++;
    else if (outcomes.length > copies) republished++;
    const first = outcomes[0]!;
    if (first.status !== 'APPLIED') {
      const reason = `${first.status} ${first.reasonCode}`.trim();
      notApplied[reason] = (notApplied[reason] ?? 0) + 1;
    }
  }
  const watchFailed = seen.crashed?.();
  return {
    commands: answered.size,
    notInKafka,
    undecided,
    decidedTwice,
    republished,
    reread: seen.reread?.() ?? 0,
    notApplied,
    watchFailed,
    ok:
      watchFailed === undefined &&
      notInKafka === 0 &&
      undecided === 0 &&
      decidedTwice === 0 &&
      Object.keys(notApplied).length === 0,
  };
}
