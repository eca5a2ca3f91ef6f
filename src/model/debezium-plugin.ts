/**
 * The Debezium Postgres connector plugin archive: where it comes from and the sha512 it must have.
 * A build (Strimzi's, or the prebuilt image's Dockerfile) refuses an archive that does not match.
 */

/**
 * sha512 of each plugin archive cdc8s pins, as downloaded from Maven Central (checked by
 * test/plugin-pin.test.ts). 3.4.3.Final stays for the e2e's demonstration of its restart data loss
 * (data-plane.e2e.ts, CDC8S_E2E_DEBEZIUM); the config refuses it (debezium-known-bugs.json).
 */
export const DEBEZIUM_PLUGIN_SHA512: Readonly<Record<string, string>> = {
  '3.4.3.Final': '685a1df5f94c3efd0de612affe2e51f4c0802a243aa85c902eecff932bef3ab6107ab3cbc2c5867542ca5f9b87d1cb7c4ee4a08d2dce6b97091d1254833f6d40',
  '3.7.0.Final': 'dc5334e087c7405f5b423e77373c60a89a3d7538ad38016f3959c431ad7078361ab95300a7e926c50621e7aa8375b7f4f3c5ecec4fe04ac484804d325009b6c0',
};

/** Maven Central location of the Debezium Postgres connector plugin archive. */
export function debeziumPostgresPluginUrl(version: string): string {
  return `https://repo1.maven.org/maven2/io/debezium/debezium-connector-postgres/${version}/debezium-connector-postgres-${version}-plugin.tar.gz`;
}

/** The pinned checksum for a version: the config's own, else the one cdc8s ships; undefined when neither exists. */
export function pluginSha512For(version: string, configured?: string): string | undefined {
  return configured ?? DEBEZIUM_PLUGIN_SHA512[version];
}
