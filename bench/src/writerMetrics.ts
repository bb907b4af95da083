/** What the writers process says about itself on /metrics, read around a measurement. */
export interface HandlingTotals {
  /** Σ seconds from the first attempt at a command to its outcome (message_processing_seconds_sum). */
  readonly seconds: number;
  readonly commands: number;
}

/** The posts writer's handling totals, from the writers process's Prometheus text. */
export async function postsWriterHandling(writersOpsUrl: string, groupId = 'writers-posts'): Promise<HandlingTotals> {
  const text = await (await fetch(`${writersOpsUrl}/metrics`)).text();
  const value = (metric: string) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${metric}{`) && l.includes(`group="${groupId}"`) && l.includes('posts.commands'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
  };
  return {
    seconds: value('message_processing_seconds_sum'),
    commands: value('message_processing_seconds_count'),
  };
}

/** Mean handling time per command between two readings, in milliseconds. */
export function meanHandlingMs(before: HandlingTotals, after: HandlingTotals): number {
  return ((after.seconds - before.seconds) / (after.commands - before.commands)) * 1000;
}
