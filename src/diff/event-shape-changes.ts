/**
 * Connector settings whose change alters the events consumers already read: the same row arrives
 * with other field types or other records beside it. Kafka and the connector accept such a change
 * silently, so `npm run diff` names it, with what consumers must handle first. A column's own type
 * change (`ALTER COLUMN … TYPE` in a migration) is outside the config; docs/architecture.md's "Schema changes
 * are type changes" covers it.
 */

import { RenderedObject } from '../model/rendered-object';

/** What consumers see when a connector setting changes, by setting. */
const CONSUMER_EFFECT: Readonly<Record<string, string>> = {
  'decimal.handling.mode': 'every NUMERIC/DECIMAL field changes type (string: exact JSON strings; double: JSON numbers; precise: base64)',
  'provide.transaction.metadata': 'BEGIN/END records appear on (or vanish from) the transaction topic, and change events gain (or lose) their transaction field',
  'time.precision.mode': 'every date, time and timestamp field changes unit or type',
  'binary.handling.mode': 'every bytea field changes encoding',
  'interval.handling.mode': 'every interval field changes type',
  'hstore.handling.mode': 'every hstore field changes type',
  'skipped.operations': 'operations start or stop arriving',
};

/** One setting that changed, with its old and new value (undefined: not set, Debezium's default). */
export interface EventShapeChange {
  readonly setting: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly effect: string;
}

/** The event-shaping settings that differ between two renders' connectors; none when either has no connector. */
export function eventShapeChanges(before: readonly RenderedObject[], after: readonly RenderedObject[]): EventShapeChange[] {
  const configOf = (objects: readonly RenderedObject[]) => objects.find((o) => o.kind === 'KafkaConnector')?.spec?.config as Record<string, unknown> | undefined;
  const old = configOf(before);
  const next = configOf(after);
  if (!old || !next) return [];
  return Object.entries(CONSUMER_EFFECT)
    .filter(([setting]) => JSON.stringify(old[setting]) !== JSON.stringify(next[setting]))
    .map(([setting, effect]) => ({ setting, before: old[setting], after: next[setting], effect }));
}

/** Lines for `npm run diff`. */
export function formatEventShapeChange(environment: string, change: EventShapeChange): string {
  const shown = (value: unknown) => (value === undefined ? '(Debezium default)' : String(value));
  return `${environment}: ${change.setting} ${shown(change.before)} → ${shown(change.after)}: ${change.effect}. Deploy consumers that read both forms first.`;
}
