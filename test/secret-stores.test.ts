import { describe, expect, it } from 'vitest';
import { cli, RenderedObject, objectsOf, ofKind, render } from './helpers';

/**
 * One SecretStore per namespace, each with its own cloud identity: an ExternalSecret in the apps
 * namespace cannot read the database's superuser or Debezium password, as it could through one
 * ClusterSecretStore serving every namespace.
 */
describe.each(['eks', 'gke'] as const)('%s: secret stores per namespace', (env) => {
  const objects = objectsOf(render(env));
  const identity = (namespace: string) => {
    const reader = ofKind(objects, 'ServiceAccount').find((sa) => sa.metadata.namespace === namespace && sa.metadata.name === 'cdc8s-secret-reader') as RenderedObject;
    return reader?.metadata.annotations?.[env === 'eks' ? 'eks.amazonaws.com/role-arn' : 'iam.gke.io/gcp-service-account'];
  };

  it("renders no ClusterSecretStore reference: every ExternalSecret reads its own namespace's SecretStore", () => {
    const externals = ofKind(objects, 'ExternalSecret').filter((e) => e.spec.secretStoreRef);
    expect(externals.length).toBe(4);
    for (const e of externals) {
      expect(e.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'cdc8s-secrets' });
      expect(
        ofKind(objects, 'SecretStore').some((s) => s.metadata.namespace === e.metadata.namespace),
        e.metadata.namespace,
      ).toBe(true);
    }
  });

  it("each store authenticates as its namespace's reader, and the data and apps readers are different identities", () => {
    for (const store of ofKind(objects, 'SecretStore')) {
      const auth = env === 'eks' ? store.spec.provider.aws.auth.jwt : store.spec.provider.gcpsm.auth.workloadIdentity;
      expect(auth.serviceAccountRef).toEqual({ name: 'cdc8s-secret-reader' });
    }
    expect(identity('cdc-data')).toBeDefined();
    expect(identity('cdc-apps')).toBeDefined();
    expect(identity('cdc-apps')).not.toBe(identity('cdc-data'));
    const reader = ofKind(objects, 'ServiceAccount').find((sa) => sa.metadata.name === 'cdc8s-secret-reader') as RenderedObject;
    expect(reader.automountServiceAccountToken).toBe(false);
  });

  it("npm run secrets prints grants that give the apps reader the API's password only", () => {
    // Printed as comments (`| sh` does nothing); the text under them.
    const listing = cli('secrets', ['--env', env]).stdout.replace(/^# ?/gm, '');
    const apps = listing.slice(listing.indexOf(`${identity('cdc-apps')} (SecretStore of cdc-apps)`));
    expect(apps.length).toBeLessThan(listing.length);
    expect(apps).toContain('postgres-app');
    expect(apps).not.toContain('postgres-superuser');
    expect(apps).not.toContain('postgres-debezium');
    for (const line of listing.split('\n').filter((l) => l.trim().startsWith('{'))) expect(() => JSON.parse(line)).not.toThrow();
  });
});
