import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { podPeer, WorkloadNetworkPolicy } from '../constructs/k8s/network-policy';
import { Postgres } from '../constructs/postgres/postgres';
import { CA_KEY, PostgresTrust } from '../constructs/postgres/tls';
import { commonLabels } from '../constructs/k8s/labels';
import { WebService } from '../constructs/k8s/web-service';
import { appWorkload } from './app-workload';
import { ChartContext } from './context';
import { requireSecret, SECRET_NAMES } from './secrets';

export interface ApiChartProps extends ChartContext {
  /** The database the API writes to (handles, not retyped host and role names). */
  readonly postgres: Postgres;
}

/** Where the API reads its database password from (a file per Secret key). */
export const API_PASSWORD_MOUNT = '/var/run/secrets/cdc8s/postgres';
/** Where the API reads the database's CA certificate. */
export const API_DATABASE_TRUST_MOUNT = '/var/run/secrets/cdc8s/postgres-tls';

/** The transactions API: the workload, its database credentials and its platform exposure. */
export class ApiChart extends Chart {
  readonly service: WebService;

  constructor(scope: Construct, id: string, { env, platform, postgres, peers }: ApiChartProps) {
    super(scope, id);
    const { api, namespaces } = env.config;
    const { connection, roles } = postgres;
    const namespace = namespaces.apps;
    const password = requireSecret(this, 'DatabaseSecret', platform, {
      name: SECRET_NAMES.postgresApp,
      namespace,
      purpose: `the API's copy of the ${roles.app} password (same value as in ${namespaces.data})`,
    });
    const exposure = platform.apiServiceExposure();

    this.service = new WebService(this, 'Api', {
      ...appWorkload(api, namespace, env.name),
      component: 'api',
      hostname: api.hostname,
      serviceType: exposure.type,
      nodePort: exposure.nodePort,
      serviceAccountAnnotations: platform.serviceAccountAnnotations('api'),
      // libpq's standard variables, which every Postgres driver reads; the password is a file
      // (PGPASSWORD_FILE, as the postgres image's POSTGRES_PASSWORD_FILE): an environment
      // variable shows in the process environment, crash dumps and `kubectl describe`-style tooling.
      env: [
        { name: 'PGHOST', value: connection.host },
        { name: 'PGPORT', value: String(connection.port) },
        { name: 'PGDATABASE', value: connection.database },
        { name: 'PGUSER', value: roles.app },
        { name: 'PGPASSWORD_FILE', value: `${API_PASSWORD_MOUNT}/${password.keyRef('password').key}` },
        // TLS only, and the server must prove it is the Service (libpq's verify-full).
        { name: 'PGSSLMODE', value: 'verify-full' },
        { name: 'PGSSLROOTCERT', value: `${API_DATABASE_TRUST_MOUNT}/${CA_KEY}` },
        { name: 'PORT', value: String(api.port) },
      ],
      mounts: [
        { volume: password.volume('postgres-password'), mountPath: API_PASSWORD_MOUNT },
        {
          volume: new PostgresTrust(this, 'PostgresTrust', { environment: env.name, namespace, role: roles.app, labels: commonLabels() }).volume('postgres-tls'),
          mountPath: API_DATABASE_TRUST_MOUNT,
        },
      ],
    });
    platform.exposeApi(this, this.service.backend);

    new WorkloadNetworkPolicy(this, 'Network', {
      name: api.name,
      namespace,
      labels: this.service.podLabels,
      podSelector: peers.api.podLabels,
      ingress: [{ peers: platform.apiTrafficSources(), ports: [api.port] }],
      dns: peers.dns,
      egress: [{ peers: [podPeer(peers.postgres)], ports: [connection.port] }, ...platform.identityEgress('api')],
    });
  }
}
