import { describe, expect, it } from 'vitest';

import { kubernetesManifests, topicPartitions } from './kubernetes.ts';
import { insightsFlinkVersion } from './kubernetesInsights.ts';
import { hasApi, services } from './services.ts';

type M = {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
};

const manifests = kubernetesManifests({
  image: 'registry.example/verograph:1.2.3',
  namespace: 'vg',
  partitions: 12,
}) as M[];
const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
const container = (name: string) =>
  (find('Deployment', name)?.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template
    .spec.containers[0]!;

describe('Kubernetes manifests', () => {
  it("run every service with its young generation fixed at start, the gateway's larger (the flags of `npm start`)", () => {
    for (const service of services) {
      const semiSpace = service.name === 'gateway' ? 64 : 16;
      expect(container(service.name).command).toEqual(
        expect.arrayContaining([`--min-semi-space-size=${semiSpace}`, `--max-semi-space-size=${semiSpace}`]),
      );
    }
  });

  it('give every service of `npm start` a Deployment, a Service, an autoscaler and a disruption budget', () => {
    for (const service of services) {
      for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
        expect(find(kind, service.name), `${kind} ${service.name}`).toBeDefined();
      }
      const c = container(service.name);
      expect(c.image).toBe('registry.example/verograph:1.2.3');
      expect(c.command).toEqual(['node', ...(service.nodeOptions ?? []), `dist/${service.name}/main.mjs`]);
      expect(c.ports).toEqual([
        ...(hasApi(service) ? [{ name: 'http', containerPort: service.port }] : []),
        { name: 'ops', containerPort: service.opsPort },
      ]);
      expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health/ready', port: 'ops' } });
      expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health/live', port: 'ops' } });
    }
  });

  it('probe and scrape the ops port, which is off the API port and reachable only from monitoring', () => {
    for (const name of ['gateway', 'users', 'posts', 'collections', 'search', 'insights']) {
      const c = container(name);
      const ports = c.ports as Array<{ name: string; containerPort: number }>;
      expect(ports.find((p) => p.name === 'ops')!.containerPort).not.toBe(
        ports.find((p) => p.name === 'http')!.containerPort,
      );
      const service = services.find((s) => s.name === name)!;
      expect(c.env).toContainEqual({ name: service.opsPortEnv, value: String(service.opsPort) });
    }
    const ops = find('NetworkPolicy', 'ops-from-monitoring')?.spec as { ingress: Array<{ ports: unknown[] }> };
    expect(ops.ingress).toEqual([expect.objectContaining({ ports: [{ port: 'ops' }] })]);
    const subgraphs = find('NetworkPolicy', 'subgraphs-from-gateway')?.spec as { ingress: Array<{ ports: unknown[] }> };
    expect(subgraphs.ingress.map((rule) => rule.ports)).toEqual([[{ port: 'http' }]]);
    const gateway = find('NetworkPolicy', 'gateway-api')?.spec as {
      ingress: Array<{ from?: unknown; ports: unknown[] }>;
    };
    expect(gateway.ingress).toEqual([{ ports: [{ port: 'http' }] }]);
  });

  it('stop consumer autoscalers at the partition count, where more replicas would idle', () => {
    expect(find('HorizontalPodAutoscaler', 'writers')?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 12 });
    expect(find('HorizontalPodAutoscaler', 'projectors')?.spec).toMatchObject({ maxReplicas: 12 });
    expect(find('HorizontalPodAutoscaler', 'gateway')?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 20 });
  });

  it('let only gateway pods reach the subgraphs, and bind the HTTP services to every interface', () => {
    const policy = find('NetworkPolicy', 'subgraphs-from-gateway')?.spec as {
      podSelector: { matchExpressions: Array<{ values: string[] }> };
    };
    expect(policy.podSelector.matchExpressions[0]!.values.sort()).toEqual([
      'collections',
      'insights',
      'posts',
      'search',
      'users',
    ]);
    expect(container('users').env).toContainEqual({ name: 'SUBGRAPH_HOST', value: '0.0.0.0' });
    expect(container('gateway').env).toContainEqual({ name: 'GATEWAY_HOST', value: '0.0.0.0' });
  });

  it('read the partition count from the Kafka topic migrations', () => {
    expect(topicPartitions()).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(topicPartitions())).toBe(true);
  });

  it("give each service its own engine credentials by Secret reference, and the migrations the admin's", () => {
    for (const service of services) {
      expect(container(service.name).envFrom).toContainEqual({
        secretRef: { name: `verograph-${service.name}-engines` },
      });
      // References only: no credential value is ever written into a manifest.
      expect(JSON.stringify(container(service.name))).not.toMatch(/PASSWORD/);
    }
    const job = find('Job', 'migrate')?.spec as {
      template: { spec: { volumes: unknown[]; containers: Array<{ env: unknown[] }> } };
    };
    expect(job.template.spec.volumes).toContainEqual({
      name: 'stack-credentials',
      secret: { secretName: 'verograph-stack-credentials' },
    });
    expect(job.template.spec.containers[0]!.env).toContainEqual({ name: 'STACK_DIR', value: '/run/secrets/verograph' });
  });
});

describe('the insights job on Kubernetes', () => {
  const deployment = manifests.find((m) => m.kind === 'FlinkDeployment') as M | undefined;

  it('is a FlinkDeployment of the job jar on the Flink version of insights/pom.xml, resuming from its last state', () => {
    expect(deployment?.metadata.name).toBe('insights-job');
    expect(deployment?.spec).toMatchObject({
      flinkVersion: 'v2_2',
      job: {
        jarURI: 'local:///opt/flink/usrlib/insights.jar',
        entryClass: 'dev.verograph.insights.InsightsJob',
        upgradeMode: 'last-state',
      },
      flinkConfiguration: { 'high-availability.type': 'kubernetes' },
    });
    expect(insightsFlinkVersion()).toBe('2.2.0');
  });

  it('signs in to Kafka as its own principal and keeps checkpoints on a volume its pods share', () => {
    const pod = (deployment?.spec as { podTemplate: { spec: Record<string, unknown> } }).podTemplate.spec as {
      containers: Array<{ envFrom: unknown[] }>;
      volumes: Array<{ persistentVolumeClaim: { claimName: string } }>;
    };
    expect(pod.containers[0]!.envFrom).toContainEqual({ secretRef: { name: 'verograph-insights-job-engines' } });
    const claim = pod.volumes[0]!.persistentVolumeClaim.claimName;
    expect(find('PersistentVolumeClaim', claim)?.spec).toMatchObject({ accessModes: ['ReadWriteMany'] });
  });
});
