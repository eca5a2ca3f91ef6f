import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, file, objectsOf, ofKind, parseYamlObjects, render } from './helpers';

describe.each(ENVIRONMENTS)("%s: every database connection is TLS, verified against cert-manager's CA", (env) => {
  const rendered = render(env);
  const objects = objectsOf(rendered);
  const certificates = ofKind(objects, 'Certificate');
  const server = certificates.find((c) => c.spec.usages.includes('server auth'));
  const platform = parseYamlObjects(file(rendered, `platform/${env}.yaml`));
  const connector = ofKind(objects, 'KafkaConnector')[0].spec.config;
  const connect = ofKind(objects, 'KafkaConnect')[0].spec.template;
  const api = ofKind(objects, 'Deployment').find((d) => d.metadata.name === 'transactions-api')?.spec.template.spec;

  it("issues the server a renewable certificate for every name of its Service, from the platform's CA issuer", () => {
    expect(server?.spec.dnsNames).toContain(connector['database.hostname']);
    expect(server?.spec.privateKey.rotationPolicy).toBe('Always');
    const issuer = platform.find((o) => o.kind === 'ClusterIssuer' && o.spec.ca);
    expect(server?.spec.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: issuer?.metadata.name });
    // The CA keeps its key when renewed, so certificates it signed before stay verifiable.
    const ca = platform.find((o) => o.kind === 'Certificate');
    expect(ca?.spec).toMatchObject({ isCA: true, secretName: issuer?.spec.ca.secretName, privateKey: { rotationPolicy: 'Never' } });
  });

  it("has Debezium verify the server (verify-full) against the CA mounted from its namespace's certificate, ca.crt only", () => {
    expect(connector['database.sslmode']).toBe('verify-full');
    const mount = connect.connectContainer.volumeMounts[0];
    expect(connector['database.sslrootcert']).toBe(`${mount.mountPath}/ca.crt`);
    expect(mount.mountPath.startsWith('/mnt/')).toBe(true);
    const volume = connect.pod.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(volume.secret.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
    const trust = certificates.find((c) => c.metadata.namespace === ofKind(objects, 'KafkaConnect')[0].metadata.namespace);
    expect(trust?.spec.secretName).toBe(volume.secret.secretName);
  });

  it('has the API verify the server (PGSSLMODE verify-full) against the mounted CA', () => {
    const container = api?.containers[0];
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env.PGSSLMODE).toBe('verify-full');
    expect(server?.spec.dnsNames).toContain(env.PGHOST);
    const mount = container.volumeMounts.find((m: { mountPath: string }) => env.PGSSLROOTCERT === `${m.mountPath}/ca.crt`);
    const volume = api?.volumes.find((v: { name: string }) => v.name === mount?.name);
    expect(volume?.secret.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
  });

  it('has the server require TLS (hostssl only) and reload renewed certificates (the reconcile watches them)', () => {
    const hba = file(rendered, `images/postgres-debezium/${env}/pg_hba.conf`);
    expect(
      hba
        .split('\n')
        .filter((l) => /^host/.test(l))
        .every((l) => l.startsWith('hostssl ')),
    ).toBe(true);
    const statefulSet = ofKind(objects, 'StatefulSet').find((s) => s.metadata.name === 'postgres');
    expect(statefulSet?.spec.template.spec.volumes).toContainEqual(expect.objectContaining({ secret: expect.objectContaining({ secretName: server?.spec.secretName }) }));
    const reconcile = statefulSet?.spec.template.spec.containers.find((c: { name: string }) => c.name === 'reconcile');
    const watched = reconcile?.env.find((e: { name: string }) => e.name === 'CDC8S_WATCHED_FILES')?.value.split(' ');
    expect(watched).toContain('/etc/cdc8s/tls/tls.crt');
  });
});
