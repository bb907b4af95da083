import { isIPv4, isIPv6 } from 'node:net';

/** The code a client refused for too many live connections gets (README: limits). */
export const TOO_MANY_CONNECTIONS = 'TOO_MANY_CONNECTIONS';

/** How long a refused client is asked to wait before it tries again. */
export const RETRY_AFTER_SECONDS = 5;

export type Admission =
  | { readonly ok: true; readonly address: string }
  | {
      readonly ok: false;
      /** 429 when this address holds too many, 503 when the instance does. */
      readonly status: 429 | 503;
      readonly code: typeof TOO_MANY_CONNECTIONS;
      readonly message: string;
    };

export interface ConnectionLimiter {
  /** Takes a place for a connection from the socket's `remoteAddress`; `release` gives it back. */
  admit(remoteAddress: string | undefined): Admission;
  /** Gives back the place taken for `address` (the one `admit` answered). */
  release(address: string): void;
  /** Places taken right now. */
  readonly open: number;
}

/**
 * Caps live connections per client address and in total. Counts only: a Map entry per address
 * while it holds a connection, gone at zero. IPv6 addresses count per /64, the block one
 * subscriber is usually given, or a single host could open a connection from each of its
 * 2^64 addresses.
 */
export function createConnectionLimiter(options: {
  readonly maxPerAddress: number;
  readonly maxTotal: number;
}): ConnectionLimiter {
  const { maxPerAddress, maxTotal } = options;
  const perAddress = new Map<string, number>();
  let open = 0;
  return {
    admit(remoteAddress) {
      const address = addressKey(remoteAddress);
      if (open >= maxTotal) {
        return {
          ok: false,
          status: 503,
          code: TOO_MANY_CONNECTIONS,
          message: `This gateway holds its limit of ${maxTotal} live connections; retry in ${RETRY_AFTER_SECONDS} s.`,
        };
      }
      const held = perAddress.get(address) ?? 0;
      if (held >= maxPerAddress) {
        return {
          ok: false,
          status: 429,
          code: TOO_MANY_CONNECTIONS,
          message: `Your address holds ${held} live connections, the limit; close one (one connection carries many subscriptions).`,
        };
      }
      perAddress.set(address, held + 1);
      open += 1;
      return { ok: true, address };
    },
    release(address) {
      const held = perAddress.get(address);
      if (held === undefined) return;
      if (held <= 1) perAddress.delete(address);
      else perAddress.set(address, held - 1);
      open -= 1;
    },
    get open() {
      return open;
    },
  };
}

/**
 * What a connection is counted under: an IPv4 address as is (also when written IPv4-mapped,
 * `::ffff:a.b.c.d`), an IPv6 address by its /64 prefix, anything else (a socket already gone)
 * as one `unknown` address.
 */
export function addressKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  const address = remoteAddress.split('%')[0]!.toLowerCase();
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1]!;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, without leading zeros (an embedded IPv4 tail is two groups). */
function expandIPv6(address: string): string[] {
  const groupsOf = (part: string): string[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [group];
      const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  };
  const [head = '', tail] = address.split('::');
  const front = groupsOf(head);
  const back = tail === undefined ? [] : groupsOf(tail);
  const zeros = Array.from({ length: 8 - front.length - back.length }, () => '0');
  return [...front, ...zeros, ...back].map((group) => (Number.parseInt(group, 16) || 0).toString(16));
}
