/** A Kafka client properties file (java.util.Properties), as consumers load it and the policy reads it back. */

/** Label on the ConfigMap that holds a consumer's Kafka client config (the durability policy finds it by this). */
export const KAFKA_CLIENT_CONFIG_LABEL = 'cdc8s.io/kafka-client-config';

/** Key of the properties file in that ConfigMap. */
export const CLIENT_PROPERTIES_KEY = 'client.properties';

/** The escapes java.util.Properties reads for whitespace control characters; others become \uXXXX. */
const CONTROL_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' };

const UNESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', f: '\f' };
const unescape = (s: string) => s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => UNESCAPES[c] ?? (c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : c));

/** A Java properties file: one `key=value` per line, with the characters the format treats specially escaped. */
export function toProperties(entries: Readonly<Record<string, string | number | boolean>>): string {
  // Every control character is escaped: a raw \r or \n would end the line and start another entry.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/[\u0000-\u001f\u007f]/g, (c) => CONTROL_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return (
    Object.entries(entries)
      .map(([k, v]) => `${escape(k)}=${escape(String(v))}`)
      .join('\n') + '\n'
  );
}

/** Reads back what toProperties wrote (the policy checks rendered ConfigMaps with it). */
export function parseProperties(content: string): Record<string, string> {
  const result: Record<string, string> = {};
  // Java ends a line at \r, \n or \r\n: read it the same way, so nothing hides behind a bare \r.
  for (const line of content.split(/\r\n|\r|\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    result[unescape(line.slice(0, at).trim())] = unescape(line.slice(at + 1));
  }
  return result;
}
