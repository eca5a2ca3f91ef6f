import { DEBIAN_SUITE, POSTGRES_MAJOR } from '../model/postgres-versions';
import { streamingIssues } from './streaming-rules';
import { ConfigIssue, EnvironmentConfig, PLATFORM_NAMES, Resources } from '../model/config';

/**
 * Rules that need more than one field (a JSON schema checks one field at a time).
 * Platform-specific rules live with each platform in src/platforms/.
 */
export function crossFieldIssues(config: EnvironmentConfig): ConfigIssue[] {
  return [
    ...resourceIssues('/postgres/resources', config.postgres.resources),
    ...resourceIssues('/api/resources', config.api.resources),
    ...resourceIssues('/kafka/brokers/resources', config.kafka.brokers.resources),
    ...resourceIssues('/kafka/controllers/resources', config.kafka.controllers.resources),
    ...resourceIssues('/kafka/entityOperator/resources', config.kafka.entityOperator.resources),
    ...resourceIssues('/connect/resources', config.connect.resources),
    ...config.consumers.flatMap((c, i) => resourceIssues(`/consumers/${i}/resources`, c.resources)),
    ...roleIssues(config),
    ...captureIssues(config),
    ...walRetentionIssues(config),
    ...postgresVersionIssues(config),
    ...foreignPlatformSections(config),
    ...streamingIssues(config),
  ];
}

function resourceIssues(path: string, resources: Resources): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (parseCpu(resources.requests.cpu) > parseCpu(resources.limits.cpu)) {
    issues.push({ path: `${path}/requests/cpu`, message: `must not exceed limits.cpu (${resources.limits.cpu})`, rule: 'a request above its limit is rejected by the API server' });
  }
  if (parseBytes(resources.requests.memory) > parseBytes(resources.limits.memory)) {
    issues.push({
      path: `${path}/requests/memory`,
      message: `must not exceed limits.memory (${resources.limits.memory})`,
      rule: 'a request above its limit is rejected by the API server',
    });
  }
  return issues;
}

function roleIssues(config: EnvironmentConfig): ConfigIssue[] {
  const { app, debezium } = config.postgres.users;
  if (app === debezium) {
    return [{ path: '/postgres/users/debezium', message: `must differ from users.app (${app})`, rule: 'Debezium gets its own least-privilege replication role' }];
  }
  for (const [key, role] of Object.entries({ app, debezium })) {
    if (role === 'postgres' || role.startsWith('pg_')) {
      return [{ path: `/postgres/users/${key}`, message: `must not be ${role}`, rule: 'reserved PostgreSQL role names' }];
    }
  }
  return [];
}

function captureIssues(config: EnvironmentConfig): ConfigIssue[] {
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  config.capture.tables.forEach((t, i) => {
    const key = `${t.schema}.${t.table}`;
    if (seen.has(key)) {
      issues.push({ path: `/capture/tables/${i}`, message: `duplicates ${key}`, rule: 'each captured table is listed once' });
    }
    seen.add(key);
  });
  return issues;
}

function walRetentionIssues(config: EnvironmentConfig): ConfigIssue[] {
  const keep = parseBytes(config.postgres.replication.maxSlotWalKeepSize);
  const volume = parseBytes(config.postgres.storage.size);
  if (keep >= volume / 2) {
    return [
      {
        path: '/postgres/replication/maxSlotWalKeepSize',
        message: `must be less than half of postgres.storage.size (${config.postgres.storage.size})`,
        rule: 'a stalled replication slot must not be able to fill the data volume',
      },
    ];
  }
  return [];
}

function postgresVersionIssues(config: EnvironmentConfig): ConfigIssue[] {
  const { tag } = config.postgres.baseImage;
  const allowed = config.postgres.allowMajorUpgrade;
  if (allowed !== undefined && allowed !== POSTGRES_MAJOR) {
    return [
      {
        path: '/postgres/allowMajorUpgrade',
        message: `must be the PostgreSQL major cdc8s runs (${POSTGRES_MAJOR}), got ${allowed}`,
        rule: 'it names the target of the one major upgrade being carried out, nothing else',
      },
    ];
  }
  if (!tag.startsWith(DEBIAN_SUITE)) {
    return [
      {
        path: '/postgres/baseImage/tag',
        message: `must be a Debian ${DEBIAN_SUITE} image tag (e.g. ${DEBIAN_SUITE}-20260918-slim), got "${tag}"`,
        rule: `the image installs PostgreSQL and pgBackRest from Debian ${DEBIAN_SUITE}'s archive at the versions the tests run`,
      },
    ];
  }
  return [];
}

function foreignPlatformSections(config: EnvironmentConfig): ConfigIssue[] {
  return PLATFORM_NAMES.filter((section) => section !== config.platform && config[section] !== undefined).map((section) => ({
    path: `/${section}`,
    message: `is not allowed when platform is ${config.platform}`,
    rule: 'settings for another platform would be silently ignored',
  }));
}

/** Kubernetes CPU quantity in millicores. */
export function parseCpu(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

const BYTE_UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  // PostgreSQL's units are binary too (1GB = 1024MB in postgresql.conf).
  MB: 2 ** 20,
  GB: 2 ** 30,
  TB: 2 ** 40,
};

/** A Kubernetes (Mi/Gi/Ti) or PostgreSQL (MB/GB/TB) size in bytes. */
export function parseBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMGT]i|[MGT]B)$/.exec(quantity);
  if (!match) throw new Error(`not a size: ${quantity}`);
  return Math.round(Number(match[1]) * BYTE_UNITS[match[2]]);
}
