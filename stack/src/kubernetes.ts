/**
 * `npm run -s kubernetes [-- --image IMAGE] [--namespace NS]`: the project's services as
 * Kubernetes manifests, printed as one YAML stream for `kubectl apply -f -`. They are generated
 * from the same service list `npm start` runs (stack/src/services.ts), so a new service or port
 * cannot drift from them. The engines are not included: production runs them with their own
 * operators (Strimzi, K8ssandra, ECK, CloudNativePG); the manifests reach them by the Service
 * names in the `verograph-engines` ConfigMap.
 *
 * Scaling, as the design intends:
 * - gateway and subgraphs are stateless: HorizontalPodAutoscalers on CPU, 2 replicas at least;
 * - writers and projectors scale by consumer group: replicas beyond the partition count of the
 *   topics they consume would sit idle, so their autoscalers stop at that count;
 * - subgraphs accept traffic only from gateway pods (a NetworkPolicy), on top of the gateway's
 *   signed viewer header, which they check whatever the network;
 * - health, readiness and metrics are on each pod's `ops` port, which only the kubelet's probes
 *   and Prometheus (namespace `monitoring`) reach; the `http` port carries the API only.
 *
 * Each service signs in to the engines as its own principal, from a Secret of its own
 * (`verograph-<service>-engines`: KAFKA_USERNAME, KAFKA_PASSWORD, CASSANDRA_USERNAME, …); the
 * migrations Job reads the admin's from `verograph-stack-credentials`. The manifests name the
 * Secrets, never their values.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { stringify } from 'yaml';

import { insightsManifests } from './kubernetesInsights.ts';
import { repoRoot } from './layout.ts';
import { deployedCommand, hasApi, services, type ServiceDefinition } from './services.ts';

export interface ManifestOptions {
  readonly image: string;
  readonly namespace: string;
  /** Partitions of the topics consumer groups read: the most replicas a consumer may use. */
  readonly partitions: number;
  /** The insights job's image (insights/Dockerfile); `verograph-insights:latest` by default. */
  readonly insightsImage?: string;
}

type Manifest = Record<string, unknown>;

const SUBGRAPHS = new Set(['users', 'posts', 'collections', 'search', 'insights']);
const CONSUMERS = new Set(['writers', 'projectors']);
const SECRETS = 'verograph-secrets';
const ENGINES = 'verograph-engines';
/** The Secret holding one service's sign-in to every engine it uses. */
export const engineCredentialsSecret = (service: string): string => `verograph-${service}-engines`;
/** The Secret holding the stack's credentials file (key credentials.json) for the migrations. */
const STACK_CREDENTIALS = 'verograph-stack-credentials';

/** The smallest partition count among the topics declared in migrations/kafka. */
export function topicPartitions(dir = join(repoRoot, 'migrations', 'kafka')): number {
  const counts = readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      const spec = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        topics?: Array<{ name: string; partitions: number }>;
      };
      return (spec.topics ?? []).filter((t) => t.name.endsWith('.commands') || t.name.endsWith('.events'));
    })
    .map((topic) => topic.partitions);
  return Math.min(...counts);
}

function labels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'verograph' };
}

function probe(path: string, port: string, periodSeconds: number): Manifest {
  return { httpGet: { path, port }, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 };
}

function deployment(service: ServiceDefinition, options: ManifestOptions): Manifest {
  const gateway = service.name === 'gateway';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: service.name, namespace: options.namespace, labels: labels(service.name) },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': service.name } },
      // Surge first: capacity never drops during a rollout; consumers rebalance once per pod.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(service.name) },
        spec: {
          // Every service stops gracefully on SIGTERM (in-flight requests finish, consumers
          // commit and leave their group) well within this.
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
          containers: [
            {
              name: service.name,
              image: options.image,
              command: deployedCommand(service),
              ports: [
                ...(hasApi(service) ? [{ name: 'http', containerPort: service.port }] : []),
                { name: 'ops', containerPort: service.opsPort },
              ],
              env: [
                { name: 'NODE_ENV', value: 'production' },
                // The pod's name: a restarted container replaces its dead self in its consumer
                // groups at once instead of waiting a session timeout (messaging/predecessors.ts).
                { name: 'INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: service.portEnv, value: String(service.port) },
                ...(hasApi(service) ? [{ name: service.opsPortEnv, value: String(service.opsPort) }] : []),
                // Writers and projectors serve their ops endpoints on every interface already.
                ...(gateway || SUBGRAPHS.has(service.name)
                  ? [{ name: gateway ? 'GATEWAY_HOST' : 'SUBGRAPH_HOST', value: '0.0.0.0' }]
                  : []),
              ],
              envFrom: [
                { configMapRef: { name: ENGINES } },
                { secretRef: { name: SECRETS } },
                { secretRef: { name: engineCredentialsSecret(service.name) } },
              ],
              readinessProbe: probe('/health/ready', 'ops', 5),
              livenessProbe: probe('/health/live', 'ops', 10),
              // The gateway's RSS after warm-up is ~280 MB in the soak, 128 MB of it its fixed young
              // generation (services.ts); the others' 110-160 MB, 32 MB of it theirs.
              resources: {
                requests: { cpu: '250m', memory: gateway ? '320Mi' : '192Mi' },
                limits: { memory: gateway ? '1Gi' : '512Mi' },
              },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
            },
          ],
        },
      },
    },
  };
}

function clusterService(service: ServiceDefinition, options: ManifestOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service.name, namespace: options.namespace, labels: labels(service.name) },
    spec: {
      selector: { 'app.kubernetes.io/name': service.name },
      // The API; a consumer, which has none, is reached at its ops port (Prometheus scrapes pods anyway).
      ports: [
        hasApi(service)
          ? { name: 'http', port: service.port, targetPort: 'http' }
          : { name: 'ops', port: service.opsPort, targetPort: 'ops' },
      ],
    },
  };
}

function autoscaler(service: ServiceDefinition, options: ManifestOptions): Manifest {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: service.name, namespace: options.namespace, labels: labels(service.name) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: service.name },
      minReplicas: 2,
      maxReplicas: CONSUMERS.has(service.name) ? options.partitions : 20,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
    },
  };
}

function disruptionBudget(service: ServiceDefinition, options: ManifestOptions): Manifest {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: service.name, namespace: options.namespace, labels: labels(service.name) },
    spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': service.name } } },
  };
}

function subgraphsOnlyFromGateway(options: ManifestOptions): Manifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'subgraphs-from-gateway', namespace: options.namespace, labels: labels('subgraphs') },
    spec: {
      podSelector: {
        matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [...SUBGRAPHS] }],
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } }],
          ports: [{ port: 'http' }],
        },
      ],
    },
  };
}

/** The gateway's API is public; its ops port is not (opsFromMonitoring). */
function gatewayApiFromAnywhere(options: ManifestOptions): Manifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'gateway-api', namespace: options.namespace, labels: labels('gateway') },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 'http' }] }],
    },
  };
}

/**
 * Every service's ops port (health, readiness, metrics) only from Prometheus's namespace; the
 * kubelet's probes come from the node, which NetworkPolicies do not restrict.
 */
function opsFromMonitoring(options: ManifestOptions): Manifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'ops-from-monitoring', namespace: options.namespace, labels: labels('verograph') },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'verograph' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ port: 'ops' }],
        },
      ],
    },
  };
}

function engineAddresses(options: ManifestOptions): Manifest {
  const subgraphUrls = Object.fromEntries(
    services
      .filter((s) => SUBGRAPHS.has(s.name))
      .map((s) => [`${s.name.toUpperCase()}_SUBGRAPH_URL`, `http://${s.name}:${s.port}/graphql`]),
  );
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ENGINES, namespace: options.namespace, labels: labels('verograph') },
    data: {
      KAFKA_HOST: 'kafka',
      CASSANDRA_HOST: 'cassandra',
      ELASTICSEARCH_HOST: 'elasticsearch',
      POSTGRES_HOST: 'postgres',
      ...subgraphUrls,
    },
  };
}

/** The migrations, as a Job to run before a rollout (a Helm/Argo pre-sync hook, say). */
function migrateJob(options: ManifestOptions): Manifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: options.namespace, labels: labels('migrate') },
    spec: {
      backoffLimit: 6,
      template: {
        metadata: { labels: labels('migrate') },
        spec: {
          restartPolicy: 'OnFailure',
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
          containers: [
            {
              name: 'migrate',
              image: options.image,
              command: ['npm', 'run', '-s', 'stack', '--', 'migrate'],
              envFrom: [{ configMapRef: { name: ENGINES } }],
              // Migrations run as each engine's admin, from the stack's credentials file.
              env: [{ name: 'STACK_DIR', value: '/run/secrets/verograph' }],
              volumeMounts: [{ name: 'stack-credentials', mountPath: '/run/secrets/verograph', readOnly: true }],
            },
          ],
          volumes: [{ name: 'stack-credentials', secret: { secretName: STACK_CREDENTIALS } }],
        },
      },
    },
  };
}

/** Every manifest, in apply order. */
export function kubernetesManifests(options: ManifestOptions): Manifest[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: options.namespace, labels: labels('verograph') },
    },
    engineAddresses(options),
    migrateJob(options),
    ...services.flatMap((service) => [
      deployment(service, options),
      clusterService(service, options),
      autoscaler(service, options),
      disruptionBudget(service, options),
    ]),
    ...insightsManifests({
      namespace: options.namespace,
      image: options.insightsImage ?? 'verograph-insights:latest',
      enginesConfigMap: ENGINES,
      credentialsSecret: engineCredentialsSecret('insights-job'),
    }),
    subgraphsOnlyFromGateway(options),
    gatewayApiFromAnywhere(options),
    opsFromMonitoring(options),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const index = args.indexOf(name);
    return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
  };
  const manifests = kubernetesManifests({
    image: option('--image', 'verograph:latest'),
    namespace: option('--namespace', 'verograph'),
    partitions: topicPartitions(),
    insightsImage: option('--insights-image', 'verograph-insights:latest'),
  });
  process.stdout.write(
    `# Generated by \`npm run -s kubernetes\` from stack/src/services.ts. Needs a Secret "${SECRETS}" with\n` +
      '# SUBGRAPH_SIGNING_SECRET, ID_DERIVATION_SECRET, JWT_SECRET or JWT_JWKS_URL, JWT_ISSUER and JWT_AUDIENCE (the\n' +
      "# gateway refuses to start in production without them), and the engines behind the ConfigMap's hosts.\n" +
      `# Engine sign-in: a Secret "${engineCredentialsSecret('<service>')}" per service (from .stack/env/<service>.env,\n` +
      `# written by npm run stack -- credentials) and "${STACK_CREDENTIALS}" (credentials.json) for the migrations.\n` +
      '# The insights job needs the Flink Kubernetes Operator, a "flink" ServiceAccount, and its image\n' +
      '# (docker build -t verograph-insights insights/ after mvn -f insights/pom.xml package).\n' +
      manifests.map((m) => stringify(m)).join('---\n'),
  );
}
