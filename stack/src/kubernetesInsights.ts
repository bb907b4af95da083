/**
 * The insights job (insights/, Apache Flink) in production: a FlinkDeployment for the Flink
 * Kubernetes Operator, running the same jar as the local stack's MiniCluster, on the official
 * Flink image at the version of insights/pom.xml (insights/Dockerfile adds the jar).
 *
 * Exactly once across restarts and upgrades: checkpoints and Kubernetes HA metadata on a volume
 * that the JobManager and TaskManagers share, and `upgradeMode: last-state`, so the operator
 * resumes the job from its latest checkpoint (state, offsets and the sinks' transactions
 * together). The job signs in to Kafka as its own principal, from its Secret.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from './layout.ts';

type Manifest = Record<string, unknown>;

/** The Flink version of the job: the one insights/pom.xml pins. */
export function insightsFlinkVersion(pom = join(repoRoot, 'insights', 'pom.xml')): string {
  const version = /<flink\.version>([^<]+)<\/flink\.version>/.exec(readFileSync(pom, 'utf8'))?.[1];
  if (!version) throw new Error(`${pom} does not pin <flink.version>`);
  return version;
}

const NAME = 'insights-job';
const DATA = '/flink-data';
const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': 'verograph' };

export interface InsightsManifestOptions {
  readonly namespace: string;
  /** The job's image: FROM the official Flink image, with the jar in /opt/flink/usrlib. */
  readonly image: string;
  /** The ConfigMap of engine addresses (KAFKA_HOST) and the Secret with the job's Kafka sign-in. */
  readonly enginesConfigMap: string;
  readonly credentialsSecret: string;
}

/** The volume for checkpoints and HA metadata, which every Flink pod of the job mounts. */
function dataVolumeClaim(options: InsightsManifestOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${NAME}-flink-data`, namespace: options.namespace, labels },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } } },
  };
}

function flinkDeployment(options: InsightsManifestOptions): Manifest {
  const [major, minor] = insightsFlinkVersion().split('.');
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: NAME, namespace: options.namespace, labels },
    spec: {
      image: options.image,
      flinkVersion: `v${major}_${minor}`,
      serviceAccount: 'flink',
      flinkConfiguration: {
        'taskmanager.numberOfTaskSlots': '2',
        'state.backend.type': 'hashmap',
        'execution.checkpointing.dir': `file://${DATA}/checkpoints`,
        'execution.checkpointing.savepoint-dir': `file://${DATA}/savepoints`,
        'high-availability.type': 'kubernetes',
        'high-availability.storageDir': `file://${DATA}/ha`,
      },
      // The pods carry no `part-of: verograph` label: the ops-only NetworkPolicy would otherwise
      // cut the JobManager off from its TaskManagers.
      podTemplate: {
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 9999, runAsGroup: 9999, fsGroup: 9999 },
          containers: [
            {
              name: 'flink-main-container',
              env: [
                { name: 'INSIGHTS_CHECKPOINT_DIR', value: `file://${DATA}/checkpoints` },
                { name: 'INSIGHTS_PARALLELISM', value: '2' },
              ],
              envFrom: [
                { configMapRef: { name: options.enginesConfigMap } },
                { secretRef: { name: options.credentialsSecret } },
              ],
              volumeMounts: [{ name: 'flink-data', mountPath: DATA }],
            },
          ],
          volumes: [{ name: 'flink-data', persistentVolumeClaim: { claimName: `${NAME}-flink-data` } }],
        },
      },
      jobManager: { replicas: 1, resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { replicas: 1, resource: { memory: '2048m', cpu: 1 } },
      job: {
        jarURI: 'local:///opt/flink/usrlib/insights.jar',
        entryClass: 'dev.verograph.insights.InsightsJob',
        parallelism: 2,
        upgradeMode: 'last-state',
        state: 'running',
      },
    },
  };
}

/** The insights job's manifests, in apply order. */
export function insightsManifests(options: InsightsManifestOptions): Manifest[] {
  return [dataVolumeClaim(options), flinkDeployment(options)];
}
