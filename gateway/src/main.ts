import { ConfigError, createLogger, createMetricsRegistry } from '@verograph/service';

import { readGatewayConfig } from './config.ts';
import { createGateway } from './createGateway.ts';
import { loadTrustedDocuments } from './persisted/trustedDocuments.ts';

/**
 * The gateway's composition root: reads the configuration once, builds the logger, the metrics
 * registry and the trusted-document manifest, and starts the gateway. SIGTERM and SIGINT stop
 * it gracefully (in-flight requests finish).
 */
const logger = createLogger('gateway');
try {
  const config = readGatewayConfig();
  const documents = await loadTrustedDocuments(config.operationsDir);
  const gateway = createGateway(config, { logger, registry: createMetricsRegistry('gateway'), documents });
  await gateway.start();
  logger.info(
    {
      supergraph: config.supergraphPath,
      introspection: config.introspection,
      trustedDocumentsOnly: config.trustedDocumentsOnly,
      auth: config.jwt.kind,
    },
    'gateway configuration',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping');
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'gateway did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) logger.fatal(error.message);
  else logger.fatal({ err: error }, 'gateway failed to start');
  process.exit(1);
}
