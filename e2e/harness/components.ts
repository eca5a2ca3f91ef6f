import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/model/package-root';

// From the repository root: this module also runs compiled, from lib/ (npm run bench -- --e2e).
const MAVEN_PROJECT = join(packageRoot(), 'e2e', 'java');
const TARGET = join(MAVEN_PROJECT, 'target');

/** The versions a run takes from Maven Central: those the rendered objects name. */
export interface ComponentVersions {
  readonly kafka: string;
  readonly debezium: string;
}

/** Real Kafka (broker, controller, Connect) and the Debezium plugin, laid out for `java -cp`. */
export interface Components {
  readonly java: string;
  /** Kafka's classpath plus the harness tools. */
  readonly classpath: string;
  /** A plugin.path with the Debezium Postgres plugin unpacked from the archive the rendered build downloads. */
  readonly pluginPath: string;
  /** The JMX exporter agent (`-javaagent:<this>=<host>:<port>:<rules>`): e2e/java MetricsAgent, the upstream collector beside it. */
  readonly metricsAgent: string;
}

/**
 * Builds e2e/java with Maven (downloads cached in ~/.m2; the build is skipped when its inputs and
 * versions are unchanged), checks the plugin archive's sha512 against the rendered one and unpacks it.
 */
export function components(versions: ComponentVersions, pluginSha512: string): Components {
  const stampFile = join(TARGET, 'cdc8s-inputs.sha256');
  const stamp = inputsDigest(versions);
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    const build = spawnSync('mvn', ['-q', '-B', '-f', join(MAVEN_PROJECT, 'pom.xml'), 'package', `-Dkafka.version=${versions.kafka}`, `-Ddebezium.version=${versions.debezium}`], {
      encoding: 'utf8',
      timeout: 20 * 60_000,
    });
    if (build.status !== 0)
      throw new Error(`mvn package (e2e/java) failed (${build.error?.message ?? build.status}):\n${`${build.stdout}${build.stderr}`.split('\n').slice(-40).join('\n')}`);
    writeFileSync(stampFile, stamp);
  }
  const archive = join(TARGET, 'plugin', `debezium-connector-postgres-${versions.debezium}-plugin.tar.gz`);
  const actual = createHash('sha512').update(readFileSync(archive)).digest('hex');
  if (actual !== pluginSha512) throw new Error(`${archive}: sha512 ${actual} is not the rendered KafkaConnect's ${pluginSha512}`);
  const pluginPath = join(TARGET, 'plugins');
  const unpacked = join(pluginPath, `debezium-postgres-${actual.slice(0, 12)}`);
  if (!existsSync(unpacked)) {
    rmSync(pluginPath, { recursive: true, force: true });
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
  }
  const jars = readdirSync(join(TARGET, 'lib'))
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(TARGET, 'lib', f));
  const tools = join(TARGET, 'cdc8s-e2e-0.1.0.jar');
  return { java: javaBinary(), classpath: [tools, ...jars].join(':'), pluginPath, metricsAgent: tools };
}

/** The components a rendered output names: Kafka's version, and the Debezium plugin its KafkaConnect build downloads. */
export function componentsFor(objects: readonly { kind: string; spec?: any }[]): Components {
  const kafka = objects.find((o) => o.kind === 'Kafka');
  const artifact = objects.find((o) => o.kind === 'KafkaConnect')?.spec?.build?.plugins?.[0]?.artifacts?.[0];
  if (!kafka || !artifact) throw new Error('the rendered output has no Kafka, or its KafkaConnect no plugin artifact to take the Debezium version and sha512 from');
  const debezium = /debezium-connector-postgres-(.+)-plugin\.tar\.gz$/.exec(artifact.url)?.[1] as string;
  return components({ kafka: kafka.spec.kafka.version, debezium }, artifact.sha512sum);
}

/** Why e2e cannot run here, or undefined: it needs Java 17+ and Maven. */
export function missingToolchain(): string | undefined {
  const java = spawnSync(javaBinary(), ['-version'], { encoding: 'utf8' });
  if (java.status !== 0) return 'Java 17 or later not found (set JAVA_HOME, or apt-get install openjdk-17-jdk-headless)';
  const major = Number(/version "(\d+)/.exec(java.stderr)?.[1] ?? 0);
  if (major < 17) return `Java ${major} found; Kafka 4 needs Java 17 or later`;
  if (spawnSync('mvn', ['-v'], { encoding: 'utf8' }).status !== 0) return 'Maven (mvn) not found (apt-get install maven)';
  return undefined;
}

function javaBinary(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** The pom, the tools' sources and the versions: what the Maven build output depends on. */
function inputsDigest(versions: ComponentVersions): string {
  const hash = createHash('sha256').update(JSON.stringify(versions));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'target') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path.slice(MAVEN_PROJECT.length)).update(readFileSync(path));
    }
  };
  walk(MAVEN_PROJECT);
  return hash.digest('hex');
}
