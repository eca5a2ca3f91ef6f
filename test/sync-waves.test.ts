import { describe, expect, it } from 'vitest';
import { APPLY_STAGES, ApplyStage, STAGE_DEPENDENCIES, syncWaves } from '../src/model/apply-order';
import { ENVIRONMENTS, RenderedObject, objectsOf, render } from './helpers';

const wave = (o: RenderedObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
const APPS: readonly ApplyStage[] = ['api', 'consumers'];

/** The dependency graph without some stages (and without every edge to them). */
function without(removed: readonly ApplyStage[]): Partial<Record<ApplyStage, readonly ApplyStage[]>> {
  return Object.fromEntries(
    Object.entries(STAGE_DEPENDENCIES)
      .filter(([stage]) => !removed.includes(stage as ApplyStage))
      .map(([stage, deps]) => [stage, deps.filter((d) => !removed.includes(d))]),
  );
}

describe('Argo CD sync waves follow real dependencies only', () => {
  const waves = syncWaves();

  it.each(APPLY_STAGES)('%s comes after exactly what it depends on', (stage) => {
    for (const dependency of STAGE_DEPENDENCIES[stage]) expect(waves.get(stage)).toBeGreaterThan(waves.get(dependency) as number);
  });

  it("removing Connect and the connector from the graph leaves the API's and consumers' waves unchanged", () => {
    const reduced = syncWaves(without(['connect', 'connector']));
    for (const stage of APPS) expect(reduced.get(stage)).toBe(waves.get(stage));
  });

  it('the streaming plane never holds back the API: without Kafka, its topics, consumers and CDC the API keeps its wave', () => {
    const reduced = syncWaves(without(['kafka', 'topics-users', 'consumers', 'connect', 'connector']));
    expect(reduced.get('api')).toBe(waves.get('api'));
  });

  it('Connect and the connector come after every app, so their health never blocks an app rollout', () => {
    for (const cdc of ['connect', 'connector'] as const) {
      for (const app of APPS) expect(waves.get(cdc)).toBeGreaterThan(waves.get(app) as number);
    }
  });

  it.each(ENVIRONMENTS)('%s: rendered objects carry those waves (API after Postgres, consumers after their topics and users, CDC last)', (env) => {
    const objects = objectsOf(render(env));
    const of = (kind: string) => objects.filter((o) => o.kind === kind).map(wave);
    const max = (values: number[]) => Math.max(...values);
    const min = (values: number[]) => Math.min(...values);
    const deployments = (component: string) => objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === component).map(wave);
    expect(min(deployments('api'))).toBeGreaterThan(max(of('StatefulSet')));
    expect(min(deployments('consumer'))).toBeGreaterThan(max([...of('KafkaTopic'), ...of('KafkaUser')]));
    expect(min([...of('KafkaConnect'), ...of('KafkaConnector')])).toBeGreaterThan(max([...deployments('api'), ...deployments('consumer')]));
    // The API no longer waits for anything of the streaming plane.
    expect(min(deployments('api'))).toBeLessThan(min(of('Kafka')));
  });
});
