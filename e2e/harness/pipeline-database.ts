import { randomBytes } from 'node:crypto';
import { includedTables } from '../../src/constructs/kafka/debezium-connector';
import { Command, PostgresServer } from './postgres-server';
import { eventually, ManagedProcess } from './process';
import { E2E_ENVIRONMENT, RenderedPipeline } from './rendered';
import { SqlSession } from './sql-session';

/**
 * The pipeline's PostgreSQL as its pod runs: the image's entrypoint (the reconcile at first
 * start), the rendered archive_command and backup configuration, and both sidecars. The
 * application and Debezium log in with passwords of this run.
 */
export class PipelineDatabase {
  readonly app = { user: 'transactions_app', password: `app-${randomBytes(8).toString('hex')}`, database: 'transactions' };
  /** The Debezium role's password at the first start (a rotation sets another). */
  readonly debeziumPassword = `dbz-${randomBytes(8).toString('hex')}`;
  server!: PostgresServer;
  /** The reconcile sidecar: publishes each captured table as the application creates it. */
  reconcileSidecar!: ManagedProcess;
  /** The backup sidecar: takes the full backups. */
  backupSidecar!: ManagedProcess;
  private readonly sessions: SqlSession[] = [];

  constructor(private readonly rendered: RenderedPipeline) {}

  async start(): Promise<void> {
    const started = await PostgresServer.startAsRendered(this.rendered.files, this.rendered.objects, E2E_ENVIRONMENT, { app: this.app.password, debezium: this.debeziumPassword });
    this.server = started.server;
    this.reconcileSidecar = this.server.startReconcileLoop();
    this.backupSidecar = this.server.startBackupLoop();
  }

  /** Waits (bounded) until the sidecar has published every captured table the rendered connector includes. */
  async published(): Promise<void> {
    const connector = this.rendered.of('KafkaConnector').spec.config;
    const wanted = includedTables(connector['table.include.list']);
    const query = `SELECT count(*) FROM pg_publication_tables WHERE pubname = '${connector['publication.name']}' AND schemaname || '.' || tablename IN (${wanted.map((t) => `'${t}'`).join(', ')})`;
    await eventually(
      () => Number(this.sql(query)) === wanted.length,
      60_000,
      () => `the reconcile sidecar has not published ${wanted.join(', ')}:\n${this.reconcileSidecar.tail(20)}`,
      1_000,
    );
  }

  /** Runs SQL as the application in a session of its own (its migrations and writes); returns psql's unaligned output. */
  sql(statement: string): string {
    const result = this.server.client(this.app, statement);
    if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
    return result.stdout.trim();
  }

  /** psql as the application logs in (the writers), reading statements from its standard input. */
  get appPsql(): Command {
    return this.server.psql(this.app, ['-q']);
  }

  /** An application session kept open across steps (a long transaction, a held lock); closed when the run stops. */
  session(): SqlSession {
    const session = new SqlSession(this.server.psql(this.app, ['-q', '-X', '-A', '-t']));
    this.sessions.push(session);
    return session;
  }

  /** The rendered connector's replication slot. */
  get slotName(): string {
    return this.rendered.of('KafkaConnector').spec.config['slot.name'];
  }

  /** The connector's slot: how far Debezium has confirmed, and how far the server's WAL is. */
  slot(): { confirmed: bigint; current: bigint } {
    const row = this.sql(`SELECT confirmed_flush_lsn - '0/0', pg_current_wal_lsn() - '0/0' FROM pg_replication_slots WHERE slot_name = '${this.slotName}'`);
    const [confirmed, current] = row.split('|');
    return { confirmed: BigInt(confirmed), current: BigInt(current) };
  }

  /** Whether a walsender streams the connector's slot: what the database sees of the task, which a dead worker cannot fake. */
  slotActive(): boolean {
    return this.sql(`SELECT active FROM pg_replication_slots WHERE slot_name = '${this.slotName}'`) === 't';
  }

  async stop(): Promise<void> {
    for (const session of this.sessions) session.close();
    await this.server?.stop();
  }
}
