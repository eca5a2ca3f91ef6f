/**
 * Strimzi 1.2.0 gives every Connect worker four config providers (KafkaConnectConfigurationBuilder
 * printConfigProviders): every environment variable (strimzienv, allowlist `.*`), any readable
 * file (strimzifile, no path limit), /opt/kafka (strimzidir) and Kubernetes Secrets
 * (strimzisecrets, limited by RBAC). Whoever may write a KafkaConnector could resolve any of them
 * into its config (the service-account token file, /proc/self/environ) and send it out. Strimzi
 * writes spec.config after its own provider lines, so these keys, rendered into spec.config,
 * narrow the first two. Nothing may add providers or change these (the policy checks both).
 */
export const CONNECT_CONFIG_PROVIDER_LIMITS = {
  // The only variable Strimzi's own worker config reads: rest.advertised.host.name=${strimzienv:ADVERTISED_HOSTNAME}.
  'config.providers.strimzienv.param.allowlist.pattern': '^ADVERTISED_HOSTNAME$',
  // The image's Kafka directory, as strimzidir already has it (a path must exist, or the worker fails
  // to start); Strimzi 1.2.0 keeps no credential there: certificates and passwords come through strimzisecrets.
  'config.providers.strimzifile.param.allowed.paths': '/opt/kafka',
} as const;

/** Keys of a KafkaConnect's spec.config that configure providers but are not our limits (must be none). */
export function unlimitedProviderKeys(config: Record<string, unknown>): string[] {
  return Object.keys(config).filter((key) => key.startsWith('config.providers') && !(key in CONNECT_CONFIG_PROVIDER_LIMITS));
}
