/**
 * A PostgreSQL major version cannot follow an image change: the new server refuses the old data
 * directory ("database files are incompatible with server"), and the logical replication slot does
 * not survive pg_upgrade. So a change of major is refused unless the config names the target in
 * `postgres.allowMajorUpgrade`, which says the operator follows the major-upgrade runbook (docs/operations.md).
 */

import { databaseImage } from './database-objects';
import { RenderedObject } from '../model/rendered-object';

/** The PostgreSQL major the database StatefulSet runs: the leading number of its image tag (`17.12-<digest>`). */
export function postgresMajorOf(objects: readonly RenderedObject[]): number | undefined {
  const image = databaseImage(objects);
  const tag = image?.slice(image.lastIndexOf(':') + 1);
  const major = Number(/^(\d+)/.exec(tag ?? '')?.[1]);
  return Number.isInteger(major) ? major : undefined;
}

/** Why the change from `before` to `after` must not be applied; undefined when it may. */
export function majorUpgradeRefusal(before: readonly RenderedObject[], after: readonly RenderedObject[], allowMajorUpgrade: number | undefined): string | undefined {
  const [from, to] = [postgresMajorOf(before), postgresMajorOf(after)];
  if (from === undefined || to === undefined || from === to) return undefined;
  if (to < from) return `the database image: PostgreSQL ${from} → ${to} is a downgrade, which no data directory survives`;
  if (allowMajorUpgrade === to) return undefined;
  return `the database image: PostgreSQL ${from} → ${to} is a major upgrade: follow the major-upgrade runbook in docs/operations.md (drain, drop the slot, pg_upgrade, new slot), then set postgres.allowMajorUpgrade: ${to}`;
}
