/** Keys that carry credentials in Kafka, Connect and Debezium configs. */
const CREDENTIAL_KEY = /(password|secret|sasl\.jaas\.config|credentials?)$/i;
/** A config provider reference (`${strimzisecrets:ns/secret:key}`, `${dir:/path:key}`): resolved at runtime, never rendered. */
const PROVIDER_REFERENCE = /^\$\{[a-z][a-z0-9]*:[^}]+\}$/i;

/** What to write instead of a literal credential. */
export const CREDENTIAL_RULE = 'credentials come from Secrets: use a config provider reference such as ${strimzisecrets:<namespace>/<secret>:<key>}';

/** True when a config entry names a credential and holds its value instead of a reference to it. */
export function isLiteralCredential(key: string, value: unknown): boolean {
  return CREDENTIAL_KEY.test(key) && !PROVIDER_REFERENCE.test(String(value));
}
