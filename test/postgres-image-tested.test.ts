import { describe, expect, it } from 'vitest';
import { imageContextOf, postgresAvailable } from '../e2e/harness/postgres-server';
import { parseDockerfile, PostgresRoot } from '../e2e/harness/postgres-root';
import { REMOVED_OUTPUT_PLUGINS } from '../src/constructs/postgres/image';
import { DEBIAN_SUITE, PGBACKREST_VERSION, POSTGRES_MAJOR, POSTGRES_PACKAGES, POSTGRES_VERSION } from '../src/model/postgres-versions';
import { ENVIRONMENTS, render } from './helpers';

/**
 * Test what ships: every suite that runs PostgreSQL runs it from the database image's root, built
 * from the rendered Dockerfile's own steps (postgres-root.ts), so the tested binaries are the
 * image's. These checks fail when what the tests run drifts from what the image installs.
 */
describe.each(ENVIRONMENTS)('%s: the image installs exactly the pinned PostgreSQL and pgBackRest', (env) => {
  const rendered = render(env);
  const context = imageContextOf(rendered.files, env);

  it(`builds FROM Debian ${DEBIAN_SUITE} and installs the packages file, which lists every pin and nothing else`, () => {
    const steps = parseDockerfile(context('Dockerfile'));
    expect(steps[0].args).toMatch(new RegExp(`/debian:${DEBIAN_SUITE}-\\d{8}-slim(@sha256:[0-9a-f]{64})?$`));
    expect(context('packages')).toBe(
      Object.entries(POSTGRES_PACKAGES)
        .map(([name, version]) => `${name}=${version}\n`)
        .join(''),
    );
    const run = steps.filter((s) => s.keyword === 'RUN');
    expect(run).toHaveLength(1);
    expect(run[0].args).toMatch(/^bash \S+\/install\.sh \S+\/packages 999 test_decoding\.so /);
    expect(context('install.sh')).toContain('apt-get install --yes --no-install-recommends "${packages[@]}"');
  });

  it('tags the image with the PostgreSQL version it runs', () => {
    const statefulSet = rendered.documents.flatMap((d) => d.objects).find((o: any) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres') as any;
    expect(statefulSet.spec.template.spec.containers[0].image).toMatch(new RegExp(`:${POSTGRES_VERSION.replace('.', '\\.')}-[0-9a-f]{12}$`));
  });
});

describe.runIf(postgresAvailable(render('minikube').files, 'minikube'))('the tests run the binaries the image ships', () => {
  const roots = ENVIRONMENTS.map((env) => PostgresRoot.find(imageContextOf(render(env).files, env)));

  it('one root serves every environment: their images install the same packages the same way', () => {
    expect(roots.every((root) => root !== undefined)).toBe(true);
    expect(new Set(roots.map((root) => root?.dir)).size).toBe(1);
  });

  it('the root holds every pinned package at exactly its pinned version', () => {
    expect((roots[0] as PostgresRoot).installedVersions(Object.keys(POSTGRES_PACKAGES))).toEqual(POSTGRES_PACKAGES);
  });

  it(`its server is PostgreSQL ${POSTGRES_VERSION} and its pgBackRest ${PGBACKREST_VERSION}, found on the image's PATH`, () => {
    const root = roots[0] as PostgresRoot;
    expect(root.run(['postgres', '--version']).stdout.trim()).toBe(`postgres (PostgreSQL) ${POSTGRES_VERSION} (Debian ${POSTGRES_PACKAGES[`postgresql-${POSTGRES_MAJOR}`]})`);
    expect(root.run(['pgbackrest', 'version']).stdout.trim()).toBe(`pgBackRest ${PGBACKREST_VERSION}`);
  });

  it('holds no logical decoding output plugin but the built-in pgoutput', () => {
    const root = roots[0] as PostgresRoot;
    for (const plugin of REMOVED_OUTPUT_PLUGINS) expect(root.has(`/usr/lib/postgresql/${POSTGRES_MAJOR}/lib/${plugin}`)).toBe(false);
    expect(root.has(`/usr/lib/postgresql/${POSTGRES_MAJOR}/lib/pgoutput.so`)).toBe(true);
  });
});
