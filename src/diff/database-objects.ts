import { POSTGRES_CONTAINER } from '../constructs/postgres/postgres';
import { RenderedObject } from '../model/rendered-object';

/** The database's StatefulSet among rendered objects: the one running the postgres container. */
export function databaseStatefulSet(objects: readonly RenderedObject[]): RenderedObject | undefined {
  return objects.find((o) => o.kind === 'StatefulSet' && o.spec?.template?.spec?.containers?.some((c: { name: string }) => c.name === POSTGRES_CONTAINER));
}

/** The image the database's server container runs, if the objects hold the database. */
export function databaseImage(objects: readonly RenderedObject[]): string | undefined {
  return databaseStatefulSet(objects)?.spec.template.spec.containers.find((c: { name: string; image: string }) => c.name === POSTGRES_CONTAINER)?.image;
}
