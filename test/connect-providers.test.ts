import { describe, expect, it } from 'vitest';
import { CONNECT_CONFIG_PROVIDER_LIMITS } from '../src/policy/connect-providers';
import { ENVIRONMENTS, objectsOf, ofKind, render, renderVariant } from './helpers';

/**
 * Connect's config providers stay as narrow as src/policy/connect-providers.ts says (what a
 * connector can resolve with them is proven by real Kafka in e2e/scenarios/connect-providers.e2e.ts).
 */
describe.each(ENVIRONMENTS)("%s: Connect's config providers", (env) => {
  it('the KafkaConnect narrows strimzienv to ADVERTISED_HOSTNAME and strimzifile to /opt/kafka', () => {
    const [connect] = ofKind(objectsOf(render(env)), 'KafkaConnect');
    expect(connect.spec.config).toMatchObject({
      'config.providers.strimzienv.param.allowlist.pattern': '^ADVERTISED_HOSTNAME$',
      'config.providers.strimzifile.param.allowed.paths': '/opt/kafka',
    });
    expect(
      Object.keys(connect.spec.config)
        .filter((k: string) => k.startsWith('config.providers'))
        .sort(),
    ).toEqual(Object.keys(CONNECT_CONFIG_PROVIDER_LIMITS).sort());
  });

  it.each([
    ['widening strimzifile', { 'config.providers.strimzifile.param.allowed.paths': '/' }],
    ['adding a provider', { 'config.providers': 'myenv', 'config.providers.myenv.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider' }],
  ])('%s through connect.config fails the synth, naming the rule', (_what, overrides) => {
    expect(() =>
      renderVariant(env, (c) => {
        c.connect.config = { ...c.connect.config, ...overrides };
      }),
    ).toThrow(/connect-narrow-config-providers/);
  });
});
