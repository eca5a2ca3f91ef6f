import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files the harness generates in place of Strimzi's cluster CA and the certificates it issues. */
export interface Certificates {
  /** The CA certificate (clients' and nodes' truststore). */
  readonly caPem: string;
  /** Private key (PKCS#8) + certificate of the Kafka nodes: CN=<cluster>-kafka, every node address in its SANs. */
  readonly nodePem: string;
  /** Private key + certificate of the harness's admin client (a Strimzi operator's subject). */
  readonly adminPem: string;
}

/** Makes a CA and two certificates with openssl (the nodes' carries `addresses` as IP SANs). */
export function makeCertificates(dir: string, cluster: string, addresses: readonly string[], adminSubject: string): Certificates {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/O=io.strimzi/CN=cluster-ca`);
  const issue = (name: string, subject: string, sans?: string): string => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    const ext = join(dir, `${name}.ext`);
    writeFileSync(ext, sans ? `subjectAltName=${sans}\n` : 'basicConstraints=CA:FALSE\n');
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext);
    // Kafka's PEM keystore: an unencrypted PKCS#8 key followed by the certificate.
    const pem = join(dir, `${name}.pem`);
    writeFileSync(pem, readFileSync(join(dir, `${name}.key`), 'utf8') + readFileSync(join(dir, `${name}.crt`), 'utf8'));
    return pem;
  };
  const sans = ['DNS:localhost', ...addresses.map((a) => `IP:${a}`)].join(',');
  return {
    caPem: join(dir, 'ca.crt'),
    nodePem: issue('node', `/O=io.strimzi/CN=${cluster}-kafka`, sans),
    adminPem: issue('admin', adminSubject),
  };
}
