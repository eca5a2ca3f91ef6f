import table from './debezium-known-bugs.json';

/** A Debezium Postgres connector bug that silently loses committed changes, and the release fixing it. */
export interface KnownDataLossBug {
  /** Upstream's issue, e.g. `debezium/dbz#76`. */
  readonly id: string;
  readonly links: readonly string[];
  /** What it loses, and when. */
  readonly loses: string;
  /** The first release with the fix, e.g. `3.7.0.Final`. */
  readonly fixedIn: string;
}

/** The known data-loss bugs (debezium-known-bugs.json). */
export const KNOWN_DATA_LOSS_BUGS: readonly KnownDataLossBug[] = table.bugs;

/** `3.4.3.Final` against `3.7.0.Final`: by major, minor, patch. */
export function compareDebeziumVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/\.Final$/, '')
      .split('.')
      .map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** The known data-loss bugs a Debezium release still has. */
export function dataLossBugsIn(version: string): KnownDataLossBug[] {
  return KNOWN_DATA_LOSS_BUGS.filter((bug) => compareDebeziumVersions(version, bug.fixedIn) < 0);
}
