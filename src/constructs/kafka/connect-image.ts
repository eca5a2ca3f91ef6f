import { Construct } from 'constructs';
import { STRIMZI_VERSION } from '../../model/strimzi';
import { debeziumPostgresPluginUrl } from '../../model/debezium-plugin';
import { imageContextDir } from '../../model/paths';
import { contextDigest, ImageBuildContext } from '../k8s/image-context';
import { shippedFile } from '../k8s/shipped-files';

/** Strimzi's Kafka image for a Kafka version: what Strimzi's own Connect build starts FROM. */
export function strimziKafkaImage(kafkaVersion: string): string {
  return `quay.io/strimzi/kafka:${STRIMZI_VERSION}-kafka-${kafkaVersion}`;
}

export interface KafkaConnectImageProps {
  /** Environment the context is rendered for (named in the generated files). */
  readonly environment: string;
  /** Kafka version of the Connect runtime (selects Strimzi's base image). */
  readonly kafkaVersion: string;
  /** Debezium Postgres connector version. */
  readonly debeziumVersion: string;
  /** sha512 of the plugin archive: the build fails on any other download. */
  readonly pluginSha512: string;
  /** Repository the user pushes the image to (names the context directory). */
  readonly repository: string;
  /** The image reference the workers run (connect.image). */
  readonly imageRef: string;
}

/**
 * The build context of a Kafka Connect image with the Debezium plugin, for a user's CI to build
 * when Strimzi does not (connect.image set): the same layers Strimzi's build makes (its Kafka
 * image plus the plugin archive under /opt/kafka/plugins), the archive checked against its sha512.
 */
export class KafkaConnectImage extends ImageBuildContext {
  readonly files: ReadonlyMap<string, string>;
  readonly contextDir: string;
  readonly imageRef: string;
  /** Digest of the context: CI tags by it, so a changed Dockerfile is never pushed over an old tag. */
  readonly contentDigest: string;

  constructor(scope: Construct, id: string, props: KafkaConnectImageProps) {
    super(scope, id);
    this.files = new Map([['Dockerfile', dockerfile(props)]]);
    this.contextDir = imageContextDir(props.repository, props.environment);
    this.imageRef = props.imageRef;
    this.contentDigest = contextDigest(this.files);
  }
}

/** The shipped Dockerfile after the build arguments it reads, with this environment's pins as their defaults. */
function dockerfile(props: KafkaConnectImageProps): string {
  return [
    `# Rendered by cdc8s for environment ${props.environment}: change environments/${props.environment}.yaml, not this file.`,
    `ARG KAFKA_IMAGE=${strimziKafkaImage(props.kafkaVersion)}`,
    `ARG PLUGIN_URL=${debeziumPostgresPluginUrl(props.debeziumVersion)}`,
    `ARG PLUGIN_SHA512=${props.pluginSha512}`,
    shippedFile('constructs/kafka/files/Dockerfile'),
  ].join('\n');
}
