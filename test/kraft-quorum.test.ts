import { describe, expect, it } from 'vitest';
import { quorumChanges } from '../src/diff/kraft-quorum';
import { diffVariantCli, envFile, objectsOf, RawConfig, render, renderVariant } from './helpers';
import { resolveEnvironment } from '../src/platforms/resolve';

const objects = (env: string, change: (c: RawConfig) => void = () => undefined) => objectsOf(renderVariant(env, change));

describe('the KRaft controller quorum is fixed when the cluster is created', () => {
  it('EKS and GKE default to dedicated controllers (brokers then scale freely); minikube to dual-role', () => {
    expect(resolveEnvironment(envFile('eks')).config.kafka.controllers.mode).toBe('dedicated');
    expect(resolveEnvironment(envFile('gke')).config.kafka.controllers.mode).toBe('dedicated');
    expect(resolveEnvironment(envFile('minikube')).config.kafka.controllers.mode).toBe('dual-role');
    const pools = objectsOf(render('gke'))
      .filter((o) => o.kind === 'KafkaNodePool')
      .map((p) => `${p.metadata.name}:${p.spec.roles.join('+')}`);
    expect(pools).toEqual(['broker:broker', 'controller:controller']);
  });

  it('scaling brokers with dedicated controllers is allowed', () => {
    expect(
      quorumChanges(
        objects('gke'),
        objects('gke', (c) => {
          c.kafka.brokers.replicas = 5;
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'scaling dual-role brokers',
      'minikube',
      (c: RawConfig) => {
        c.kafka.brokers.replicas = 5;
      },
      'kafka.brokers.replicas',
    ],
    [
      'scaling dedicated controllers',
      'eks',
      (c: RawConfig) => {
        c.kafka.controllers.replicas = 5;
      },
      'kafka.controllers.replicas',
    ],
    [
      'switching dedicated to dual-role',
      'eks',
      (c: RawConfig) => {
        c.kafka.controllers.mode = 'dual-role';
      },
      'kafka.controllers.mode',
    ],
    [
      'switching dual-role to dedicated',
      'minikube',
      (c: RawConfig) => {
        c.kafka.controllers = { mode: 'dedicated' };
      },
      'kafka.controllers.mode',
    ],
  ])('refuses %s, naming the field', (_what, env, change, field) => {
    const changes = quorumChanges(objects(env), objects(env, change));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.map((c) => c.field)).toContain(field);
  });

  it('npm run diff exits 3 on such a change and names the field and the reason', () => {
    const result = diffVariantCli('minikube', (c) => {
      c.kafka.brokers.replicas = 5;
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('minikube: kafka.brokers.replicas: KafkaNodePool cdc-streaming/broker changes spec.replicas of a controller pool from 3 to 5');
    expect(result.stderr).toContain('not one of the voters');
  });
});
