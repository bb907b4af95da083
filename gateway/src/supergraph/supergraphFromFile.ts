import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

import type { SupergraphManager } from '@apollo/gateway';
import type { Logger } from '@verograph/service';

import type { GatewayMetrics } from '../observability/gatewayMetrics.ts';

export interface SupergraphFileOptions {
  readonly path: string;
  /** Quiet time after the last change before the file is read. */
  readonly debounceMs: number;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
}

/**
 * The supergraph from a file (what `npm run schema -- compose` writes), reloaded when the file
 * changes. The folder is watched rather than the file, since the composer renames a new file
 * into place. A new supergraph the gateway cannot load is logged and counted, and the running
 * one stays. Requests in flight finish on the query plan they started with.
 */
export function supergraphFromFile(options: SupergraphFileOptions): SupergraphManager {
  const { path, debounceMs, logger, metrics } = options;
  return {
    async initialize({ update }) {
      const supergraphSdl = await readSupergraph(path);
      let loadedHash = hashOf(supergraphSdl);
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;

      const reload = async () => {
        let sdl: string;
        try {
          sdl = await readFile(path, 'utf8');
        } catch (error) {
          metrics.supergraphReloads.inc({ outcome: 'failure' });
          logger.error({ err: error, path }, 'supergraph file unreadable; keeping the current supergraph');
          return;
        }
        const hash = hashOf(sdl);
        if (stopped || hash === loadedHash) return;
        try {
          update(sdl);
          loadedHash = hash;
          metrics.supergraphReloads.inc({ outcome: 'success' });
          logger.info({ path, supergraphHash: hash }, 'supergraph reloaded');
        } catch (error) {
          metrics.supergraphReloads.inc({ outcome: 'failure' });
          logger.error({ err: error, path, supergraphHash: hash }, 'new supergraph rejected; keeping the current one');
        }
      };

      const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
        if (file !== null && file !== basename(path)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), debounceMs);
      });
      watcher.on('error', (error) => logger.error({ err: error, path }, 'supergraph watch failed; hot reload is off'));
      logger.info({ path, supergraphHash: loadedHash }, 'supergraph loaded; watching for changes');

      return {
        supergraphSdl,
        cleanup: async () => {
          stopped = true;
          clearTimeout(timer);
          watcher.close();
        },
      };
    },
  };
}

async function readSupergraph(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `Cannot read the supergraph at ${path}: run \`npm run schema -- compose\` or set GATEWAY_SUPERGRAPH`,
      {
        cause: error,
      },
    );
  }
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
