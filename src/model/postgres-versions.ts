/**
 * What the database image runs, pinned once: the Debian suite it is built from and the exact
 * package versions it installs. The tests install the same packages from the same archive into a
 * Debian root (debootstrap) and run them, and fail when what they run differs from these pins.
 */

/** The Debian release the image's base and its packages come from. */
export const DEBIAN_SUITE = 'trixie';

/** The PostgreSQL major the image runs (the `postgresql-<major>` package). */
export const POSTGRES_MAJOR = 17;

/**
 * Debian packages the image installs, name → exact version (Debian trixie's archive). pgBackRest
 * reads PostgreSQL 17's pg_control from 2.52 on (2.45, bookworm's, fails with "unexpected control
 * version = 1700"); ca-certificates lets it verify S3 and GCS over TLS. postgres_exporter runs
 * beside the server from the same image (a container of the database pod), so the exporter the
 * tests scrape is the one that ships.
 */
export const POSTGRES_PACKAGES: Readonly<Record<string, string>> = {
  [`postgresql-${POSTGRES_MAJOR}`]: '17.12-0+deb13u1',
  [`postgresql-client-${POSTGRES_MAJOR}`]: '17.12-0+deb13u1',
  libpq5: '17.12-0+deb13u1',
  pgbackrest: '2.55.1-1',
  'ca-certificates': '20250419+deb13u1',
  'prometheus-postgres-exporter': '0.17.1-1+b4',
};

/** The upstream version of a Debian package version: `17.12-0+deb13u1` → `17.12`, `2.55.1-1` → `2.55.1`. */
export function upstreamVersion(debianVersion: string): string {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
}

/** The PostgreSQL version the image runs, e.g. `17.12`. */
export const POSTGRES_VERSION = upstreamVersion(POSTGRES_PACKAGES[`postgresql-${POSTGRES_MAJOR}`]);

/** The pgBackRest version the image runs, e.g. `2.55.1`. */
export const PGBACKREST_VERSION = upstreamVersion(POSTGRES_PACKAGES.pgbackrest);

/** The packages file of the image's build context: one `name=version` per line, as apt-get takes them. */
export function packagesFile(): string {
  return Object.entries(POSTGRES_PACKAGES)
    .map(([name, version]) => `${name}=${version}\n`)
    .join('');
}

/** The postgres_exporter version the image ships, e.g. `0.17.1`. */
export const POSTGRES_EXPORTER_VERSION = upstreamVersion(POSTGRES_PACKAGES['prometheus-postgres-exporter']);
