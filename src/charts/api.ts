import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { imageReference } from '../constructs/image';
import { PostgresConnection } from '../constructs/postgres';
import { WebService } from '../constructs/web-service';
import { ChartContext } from './context';
import { requireSecret, SECRET_NAMES } from './secrets';

export interface ApiChartProps extends ChartContext {
  /** The database the API writes to (a handle, not a retyped host name). */
  readonly postgres: PostgresConnection;
}

/** The transactions API: the workload, its database credentials and its platform exposure. */
export class ApiChart extends Chart {
  readonly service: WebService;

  constructor(scope: Construct, id: string, { env, platform, postgres }: ApiChartProps) {
    super(scope, id);
    const { api, namespaces, postgres: pg } = env.config;
    const namespace = namespaces.apps;
    const password = requireSecret(this, 'DatabaseSecret', platform, {
      name: SECRET_NAMES.postgresApp,
      namespace,
      purpose: `the API's copy of the ${pg.users.app} password (same value as in ${namespaces.data})`,
    });
    const exposure = platform.apiServiceExposure();

    this.service = new WebService(this, 'Api', {
      name: api.name,
      namespace,
      instance: env.name,
      component: 'api',
      image: imageReference(api.image),
      version: api.image.tag,
      replicas: api.replicas,
      port: api.port,
      runAsUser: api.runAsUser,
      readinessPath: api.probes.readinessPath,
      livenessPath: api.probes.livenessPath,
      resources: api.resources,
      hostname: api.hostname,
      serviceType: exposure.type,
      nodePort: exposure.nodePort,
      serviceAccountAnnotations: platform.serviceAccountAnnotations('api'),
      // libpq's standard variables: every Postgres driver reads them.
      env: [
        { name: 'PGHOST', value: postgres.host },
        { name: 'PGPORT', value: String(postgres.port) },
        { name: 'PGDATABASE', value: postgres.database },
        { name: 'PGUSER', value: pg.users.app },
        { name: 'PGPASSWORD', valueFrom: { secretKeyRef: password.keyRef('password') } },
        { name: 'PORT', value: String(api.port) },
      ],
    });
    platform.exposeApi(this, this.service.backend);
  }
}
