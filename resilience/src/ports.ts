import { createServer } from 'node:net';

/**
 * Ports below the kernel's ephemeral range (32768 and up): a port chosen there can be taken by
 * an outgoing connection while the engine that owns it is stopped, and the engine could then
 * not start again on it.
 */
const LOWEST = 20_000;
const HIGHEST = 32_000;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `count` distinct ports that nothing listens on right now, picked at random so parallel runs rarely meet. */
export async function freePorts(count: number): Promise<number[]> {
  const chosen = new Set<number>();
  for (let tries = 0; chosen.size < count; tries++) {
    if (tries > 1_000) throw new Error(`found only ${chosen.size} free ports of ${count} in ${LOWEST}-${HIGHEST}`);
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (!chosen.has(port) && (await isFree(port))) chosen.add(port);
  }
  return [...chosen];
}
