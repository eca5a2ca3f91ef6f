import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { DebeziumPostgresConnector } from '../constructs/kafka/debezium-connector';
import { KafkaConnect } from '../constructs/kafka/connect';
import { Postgres } from '../constructs/postgres/postgres';
import { RequiredSecret } from '../constructs/k8s/required-secret';
import { ChartContext } from './context';

export interface ConnectorChartProps extends ChartContext {
  readonly connect: KafkaConnect;
  readonly postgres: Postgres;
  readonly debeziumSecret: RequiredSecret;
}

/** The Debezium Postgres connector, wired to the database's handles. */
export class ConnectorChart extends Chart {
  readonly connector: DebeziumPostgresConnector;

  constructor(scope: Construct, id: string, { env, durability, connect, postgres, debeziumSecret }: ConnectorChartProps) {
    super(scope, id);
    const { capture, connect: settings } = env.config;
    this.connector = new DebeziumPostgresConnector(this, 'Connector', {
      name: settings.connector.name,
      connect,
      postgres,
      passwordSecret: debeziumSecret,
      tables: capture.tables,
      slot: capture.slot,
      topicPrefix: capture.topicPrefix,
      snapshotMode: capture.snapshotMode,
      heartbeatIntervalMs: capture.heartbeatIntervalMs,
      replicationFactor: durability.replicationFactor,
      minInSyncReplicas: durability.minInSyncReplicas,
      partitions: capture.partitions,
      cleanupPolicy: capture.cleanupPolicy,
      maxEventBytes: capture.maxEventBytes,
      decimalHandling: capture.decimalHandling,
      transactionMetadata: capture.transactionMetadata,
      state: settings.connector.state,
      overrides: settings.connector.config,
    });
  }
}
