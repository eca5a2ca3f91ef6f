import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distManifests, type RenderedObject } from '../../test/helpers';
import { availableOrSkip } from '../harness/available';
import { componentsFor, missingToolchain, type Components } from '../harness/components';
import { buildKube, KubeServer, missingCrds, missingGo, SHARED_CRDS } from '../harness/kube';
import { connectorConfig } from '../harness/strimzi';

/**
 * The connector's `${strimzisecrets:…}` reference resolved by Strimzi's real config provider
 * (io.strimzi:kafka-kubernetes-config-provider, the version Strimzi 1.2.0 ships) against a real
 * Kubernetes 1.35 API server holding dist/eks/, with a token of the Connect ServiceAccount: the
 * rendered Role and RoleBinding are enough, and no more than that.
 */
const ENV = 'eks';
const ready = availableOrSkip(missingGo()) && availableOrSkip(missingToolchain()) && availableOrSkip(missingCrds());

/** How Strimzi's KafkaConnectConfigurationBuilder declares the provider (the other three are Kafka's own). */
const PROVIDERS = 'config.providers=strimzisecrets\nconfig.providers.strimzisecrets.class=io.strimzi.kafka.KubernetesSecretConfigProvider\n';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe.runIf(ready)("Connect's ${strimzisecrets:…} resolved by Strimzi's config provider on a real API server", () => {
  const { files, objects } = distManifests(ENV);
  const connect = objects.find((o) => o.kind === 'KafkaConnect') as RenderedObject;
  const connector = objects.find((o) => o.kind === 'KafkaConnector') as RenderedObject;
  const [, secretNamespace, secretName, secretKey] = /^\$\{strimzisecrets:([^/]+)\/([^:]+):([^}]+)\}$/.exec((connector as any).spec.config['database.password']) ?? [];
  const password = randomBytes(18).toString('base64url');
  let server: KubeServer;
  let bin: Components;

  /** Runs the provider in a JVM with Kafka's classpath, authenticated as `serviceAccount` (namespace/name). */
  const resolve = (serviceAccount: string, config: Record<string, string>): string => {
    const [namespace, name] = serviceAccount.split('/');
    const token = server.kubectl(['create', 'token', name, '-n', namespace, '--duration=10m']);
    if (token.status !== 0) throw new Error(token.stderr);
    const [providers, configFile] = [join(server.dir, 'providers.properties'), join(server.dir, `config-${randomBytes(4).toString('hex')}.json`)];
    writeFileSync(providers, PROVIDERS);
    writeFileSync(configFile, JSON.stringify(config));
    // fabric8's client, as in a pod but pointed at this server: the token, the CA, nothing else.
    const run = spawnSync(bin.java, ['-Xmx256m', '-cp', bin.classpath, 'cdc8s.e2e.E2eTool', 'resolve', providers, configFile], {
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        KUBERNETES_MASTER: server.url,
        KUBERNETES_AUTH_TOKEN: token.stdout.trim(),
        KUBERNETES_CERTS_CA_FILE: server.caFile,
        KUBERNETES_AUTH_TRYKUBECONFIG: 'false',
        KUBERNETES_AUTH_TRYSERVICEACCOUNT: 'false',
        KUBERNETES_NAMESPACE: namespace,
      },
    });
    if (run.status !== 0) throw new Error(`E2eTool resolve exited ${run.status ?? run.error?.message}:\n${run.stderr.split('\n').slice(-20).join('\n')}`);
    return run.stdout.trim().split('\n').pop() as string;
  };

  beforeAll(async () => {
    bin = componentsFor(objects);
    server = new KubeServer(buildKube('1.35'));
    await server.start();
    server.installCrds(SHARED_CRDS);
    for (const file of files) {
      const applied = server.kubectl(['apply', '--server-side', '--field-manager=cdc8s', '-f', file]);
      if (applied.status !== 0) throw new Error(`${file}: ${applied.stderr}`);
    }
    // What the operators would add: Strimzi the Connect ServiceAccount, External Secrets the Secrets.
    const created = [
      server.kubectl(['create', 'serviceaccount', `${connect.metadata.name}-connect`, '-n', connect.metadata.namespace as string]),
      server.kubectl(['create', 'secret', 'generic', secretName, '-n', secretNamespace, `--from-literal=${secretKey}=${password}`]),
      server.kubectl(['create', 'secret', 'generic', 'another-secret', '-n', secretNamespace, '--from-literal=password=not-for-connect']),
    ];
    for (const c of created) if (c.status !== 0) throw new Error(c.stderr);
  }, 45 * 60_000);
  afterAll(() => server?.stop());

  it("as the Connect ServiceAccount, the connector config resolves: database.password is the Secret's value", () => {
    expect(secretName).toBeDefined();
    const resolved = resolve(`${connect.metadata.namespace}/${connect.metadata.name}-connect`, connectorConfig(connector as any).config);
    expect(resolved).toBe(JSON.stringify({ 'database.password': sha256(password) }));
  });

  it('as the Connect ServiceAccount, another Secret of the same namespace is refused, until the server is told to allow it', () => {
    const connectSa = `${connect.metadata.namespace}/${connect.metadata.name}-connect`;
    const probe = { probe: `\${strimzisecrets:${secretNamespace}/another-secret:password}` };
    // The provider drops the server's 403 from its message; the grant below shows RBAC was the only obstacle.
    expect(resolve(connectSa, probe)).toBe(
      `FAILED org.apache.kafka.common.config.ConfigException: Failed to retrieve Secret another-secret from Kubernetes namespace ${secretNamespace}`,
    );
    const grant = [
      ['create', 'role', 'e2e-grant', '-n', secretNamespace, '--verb=get', '--resource=secrets', '--resource-name=another-secret'],
      ['create', 'rolebinding', 'e2e-grant', '-n', secretNamespace, '--role=e2e-grant', `--serviceaccount=${connectSa.replace('/', ':')}`],
    ];
    for (const args of grant) expect(server.kubectl(args).status).toBe(0);
    try {
      expect(resolve(connectSa, probe)).toBe(JSON.stringify({ probe: sha256('not-for-connect') }));
    } finally {
      server.kubectl(['delete', 'rolebinding,role', 'e2e-grant', '-n', secretNamespace]);
    }
  });

  it("as any other ServiceAccount (the API's), the Debezium password is refused by the server", () => {
    const api = objects.find((o) => o.kind === 'Deployment' && (o as any).spec.template.spec.serviceAccountName) as any;
    const resolved = resolve(`${api.metadata.namespace}/${api.spec.template.spec.serviceAccountName}`, connectorConfig(connector as any).config);
    expect(resolved).toBe(`FAILED org.apache.kafka.common.config.ConfigException: Failed to retrieve Secret ${secretName} from Kubernetes namespace ${secretNamespace}`);
  });
});
