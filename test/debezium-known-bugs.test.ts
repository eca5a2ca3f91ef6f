import { describe, expect, it } from 'vitest';
import schema from '../src/model/environment.schema.json';
import { compareDebeziumVersions, dataLossBugsIn, KNOWN_DATA_LOSS_BUGS } from '../src/model/debezium-known-bugs';
import { ENVIRONMENTS, objectsOf, ofKind, render, renderVariant } from './helpers';

/** The Debezium release a rendered environment runs: its build's plugin archive, or its prebuilt image's. */
function renderedDebezium(env: string): string {
  const rendered = render(env);
  const connect = ofKind(objectsOf(rendered), 'KafkaConnect')[0];
  const source = connect.spec.build?.plugins[0].artifacts[0].url ?? rendered.files.get(`images/kafka-connect-debezium/${env}/Dockerfile`);
  return /debezium-connector-postgres-(3\.\d+\.\d+\.Final)-plugin\.tar\.gz/.exec(String(source))?.[1] as string;
}

describe('no Debezium that silently loses committed changes (src/model/debezium-known-bugs.json)', () => {
  it('every known bug names its upstream issue, what it loses and the release that fixes it', () => {
    expect(KNOWN_DATA_LOSS_BUGS.map((b) => b.id)).toEqual(['debezium/dbz#1379', 'debezium/dbz#76', 'debezium/dbz#1554']);
    for (const bug of KNOWN_DATA_LOSS_BUGS) {
      expect(bug.fixedIn).toMatch(/^3\.\d+\.\d+\.Final$/);
      expect(bug.links.length).toBeGreaterThan(0);
      expect(bug.loses.length).toBeGreaterThan(40);
    }
  });

  it('the pinned default is no older than any fix', () => {
    const pinned = schema.properties.connect.properties.debeziumVersion.default;
    expect(dataLossBugsIn(pinned)).toEqual([]);
    expect(compareDebeziumVersions(pinned, '3.7.0.Final')).toBeGreaterThanOrEqual(0);
  });

  it.each(ENVIRONMENTS)('%s: the Debezium it renders (build or prebuilt image) has no known data-loss bug', (env) => {
    expect(dataLossBugsIn(renderedDebezium(env))).toEqual([]);
  });

  it('refuses a configured release that has one, naming the bugs and the release to take', () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.connect.debeziumVersion = '3.4.3.Final';
      }),
    ).toThrow('/connect/debeziumVersion 3.4.3.Final loses committed changes on restart (debezium/dbz#1379, debezium/dbz#76, debezium/dbz#1554): use 3.7.0.Final or later');
    expect(() =>
      renderVariant('eks', (c) => {
        c.connect.debeziumVersion = '3.6.1.Final';
        c.connect.pluginSha512 = 'c'.repeat(128);
      }),
    ).toThrow(/3\.6\.1\.Final loses committed changes on restart \(debezium\/dbz#76, debezium\/dbz#1554\)/);
  });

  it('orders releases by number, not text', () => {
    expect(compareDebeziumVersions('3.10.0.Final', '3.7.0.Final')).toBeGreaterThan(0);
    expect(dataLossBugsIn('3.6.0.Final').map((b) => b.id)).toEqual(['debezium/dbz#76', 'debezium/dbz#1554']);
  });
});
