import { describe, expect, it } from 'vitest';
import { SUPPORTED_KUBERNETES } from '../src/output/helm';
import { KUBERNETES_VERSIONS } from '../src/validate/sources';
import { renderVariant } from './helpers';

describe('we claim and check only what Strimzi 1.2.0 supports', () => {
  it("validates against Kubernetes 1.30 (Strimzi 1.2.0's minimum) and 1.35, and the Helm chart says the same", () => {
    expect(KUBERNETES_VERSIONS).toEqual(['v1.30.0', 'v1.35.0']);
    expect(SUPPORTED_KUBERNETES).toBe('>=1.30.0-0 <1.36.0-0');
  });

  it('refuses a Kafka version the operator does not run', () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.kafka.version = '3.9.0';
      }),
    ).toThrow(/\/kafka\/version must be one of .*4\.3\.1.*, got 3\.9\.0 \(the Kafka versions Strimzi 1\.2\.0 supports\)/);
  });

  it('refuses a metadata version newer than the Kafka version knows', () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.kafka.version = '4.2.0';
      }),
    ).toThrow(/\/kafka\/metadataVersion must not be newer than 4\.2-IV1, got 4\.3-IV0/);
    expect(() =>
      renderVariant('eks', (c) => {
        c.kafka.version = '4.2.0';
        c.kafka.metadataVersion = '4.2-IV1';
      }),
    ).not.toThrow();
    // An older metadata version is how an upgrade starts: allowed.
    expect(() =>
      renderVariant('eks', (c) => {
        c.kafka.metadataVersion = '4.2-IV1';
      }),
    ).not.toThrow();
  });
});
