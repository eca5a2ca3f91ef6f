import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RenderedObject } from '../../src/model/rendered-object';
import { Components, componentsFor } from './components';
import { ManagedProcess } from './process';

/** Log4j 2 for every JVM: INFO to stdout (the process's log file). */
const LOG4J2 = [
  'appender.out.type=Console',
  'appender.out.name=out',
  'appender.out.layout.type=PatternLayout',
  'appender.out.layout.pattern=[%d] %p %m (%c)%n',
  'rootLogger.level=INFO',
  'rootLogger.appenderRef.out.ref=out',
  'logger.kafka.name=org.apache.kafka',
  'logger.kafka.level=WARN',
  'logger.kserver.name=kafka',
  'logger.kserver.level=WARN',
  'logger.connect.name=org.apache.kafka.connect',
  'logger.connect.level=INFO',
  'logger.reflections.name=org.reflections',
  'logger.reflections.level=ERROR',
  'logger.started.name=kafka.server.BrokerServer',
  'logger.started.level=INFO',
  'logger.ctrl.name=kafka.server.ControllerServer',
  'logger.ctrl.level=INFO',
].join('\n');

/** How a command runs: itself, or wrapped (a mount namespace, see pod-mounts.ts). */
export type Wrap = (command: string, args: readonly string[]) => { command: string; args: string[] };

const direct: Wrap = (command, args) => ({ command, args: [...args] });

/**
 * The run's JVMs: Kafka, Connect and the harness's own clients (e2e/java) on one classpath, each
 * with its working directory where the strimzisecrets stand-in reads Secrets (strimzi.ts).
 */
export class Jvm {
  readonly secretsDir: string;
  private readonly log4j: string;
  private built?: Components;

  constructor(
    private readonly dir: string,
    private readonly objects: readonly RenderedObject[],
  ) {
    this.secretsDir = join(dir, 'secrets');
    mkdirSync(this.secretsDir, { recursive: true });
    this.log4j = join(dir, 'log4j2.properties');
    writeFileSync(this.log4j, LOG4J2);
  }

  /** The components the rendered objects name, built (Maven) on first use. */
  get bin(): Components {
    return (this.built ??= componentsFor(this.objects));
  }

  private options(heapMb: number): string[] {
    return ['-Xms128m', `-Xmx${heapMb}m`, '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${this.log4j}`, '-cp', this.bin.classpath];
  }

  /** A long-running JVM; its output goes to `<dir>/<log>`. */
  process(name: string, spec: { heapMb: number; main: string; args: readonly string[]; log: string; jvmOptions?: readonly string[]; wrap?: Wrap }): ManagedProcess {
    const { command, args } = (spec.wrap ?? direct)(this.bin.java, [...this.options(spec.heapMb), ...(spec.jvmOptions ?? []), spec.main, ...spec.args]);
    return new ManagedProcess(name, command, args, join(this.dir, spec.log), { cwd: this.secretsDir });
  }

  /** Runs a short-lived main to completion (bounded: 120 s); returns its standard output, or throws with its output's tail. */
  run(main: string, args: readonly string[], options: { check?: boolean; wrap?: Wrap; jvmOptions?: readonly string[] } = {}): string {
    const { command, args: all } = (options.wrap ?? direct)(this.bin.java, [...this.options(256), ...(options.jvmOptions ?? []), main, ...args]);
    const result = spawnSync(command, all, { encoding: 'utf8', timeout: 120_000, cwd: this.secretsDir });
    if (options.check !== false && result.status !== 0)
      throw new Error(`${main} ${args[0] ?? ''} failed (${result.error?.message ?? result.status}):\n${`${result.stdout}${result.stderr}`.split('\n').slice(-40).join('\n')}`);
    return result.stdout;
  }

  /** The harness's Kafka clients (e2e/java E2eTool: apply, consume, read, probe, isr, alter-topic, topic-config). */
  tool(args: readonly string[], options: { check?: boolean; wrap?: Wrap; jvmOptions?: readonly string[] } = {}): string {
    return this.run('cdc8s.e2e.E2eTool', args, options);
  }

  /** A Secret key `<namespace>/<secret>:<key>` where the strimzisecrets stand-in reads it (strimzi.ts). */
  writeSecret(reference: string, value: string): void {
    const [secret, key] = reference.split(':');
    mkdirSync(join(this.secretsDir, secret), { recursive: true });
    writeFileSync(join(this.secretsDir, secret, key), value);
  }
}
