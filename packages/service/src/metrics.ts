import { collectDefaultMetrics, Registry } from 'prom-client';

/** One Prometheus registry per process, with the default Node.js metrics and the service label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
