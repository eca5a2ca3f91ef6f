import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, file, RenderedObject, objectsOf, parseYamlObjects, render } from './helpers';

const DATA_KINDS = ['Namespace', 'Kafka', 'KafkaNodePool', 'KafkaTopic', 'PersistentVolumeClaim', 'PersistentVolume'];

describe.each(ENVIRONMENTS)('%s: helm uninstall (or disabling a subchart) never deletes data', (env) => {
  const rendered = render(env);
  const templates = [...rendered.files].filter(([path]) => path.startsWith(`helm/cdc8s-${env}/charts/`) && path.includes('/templates/'));
  const templated: RenderedObject[] = templates.flatMap(([, content]) => parseYamlObjects(content.replace(/^\{\{.*\}\}$/gm, '')));

  it('every object that holds data carries helm.sh/resource-policy: keep in the chart', () => {
    const holders = templated.filter((o) => DATA_KINDS.includes(o.kind));
    expect(holders.length).toBeGreaterThan(3);
    for (const o of holders) expect(o.metadata.annotations?.['helm.sh/resource-policy'], `${o.kind} ${o.metadata.name}`).toBe('keep');
  });

  it('nothing else is kept (an uninstall still removes workloads, policies and config)', () => {
    for (const o of objectsOf(rendered).filter((x) => !DATA_KINDS.includes(x.kind))) {
      expect(o.metadata.annotations?.['helm.sh/resource-policy'], `${o.kind} ${o.metadata.name}`).toBeUndefined();
    }
  });

  it('NOTES.txt says what an uninstall leaves behind and how to delete it on purpose', () => {
    const notes = file(rendered, `helm/cdc8s-${env}/templates/NOTES.txt`);
    expect(notes).toContain('helm uninstall keeps what holds data');
    expect(notes).toContain('kubectl delete kafkatopic,kafkanodepool,kafka --all');
  });
});
