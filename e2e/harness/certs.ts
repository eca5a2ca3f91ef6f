import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A throwaway CA made with openssl in `dir`, issuing certificates signed by it. */
export class CertificateAuthority {
  readonly certificate: string;

  constructor(
    private readonly dir: string,
    subject: string,
  ) {
    this.openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', subject);
    this.certificate = join(dir, 'ca.crt');
  }

  /**
   * Issues `<name>.key` (unencrypted PKCS#8) and `<name>.crt`; `sans` like `IP:127.0.0.1,DNS:localhost`.
   * Returns the paths, and `<name>.pem` (key then certificate: Kafka's PEM keystore).
   */
  issue(name: string, subject: string, sans?: string): { key: string; cert: string; pem: string } {
    this.openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(this.dir, `${name}.ext`), sans ? `subjectAltName=${sans}\n` : 'basicConstraints=CA:FALSE\n');
    this.openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    const [key, cert, pem] = ['key', 'crt', 'pem'].map((ext) => join(this.dir, `${name}.${ext}`));
    writeFileSync(pem, readFileSync(key, 'utf8') + readFileSync(cert, 'utf8'));
    return { key, cert, pem };
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  }
}

/** PEM files the harness generates in place of Strimzi's cluster CA and the certificates it issues. */
export interface Certificates {
  /** The CA certificate (clients' and nodes' truststore). */
  readonly caPem: string;
  /** The Kafka nodes' private key (PKCS#8) and certificate: CN=<cluster>-kafka, every node address in its SANs. */
  readonly nodeKey: string;
  readonly nodeCert: string;
  /** Private key + certificate of the harness's admin client (a Strimzi operator's subject). */
  readonly adminPem: string;
}

/** A cluster CA and two certificates (the nodes' carries `addresses` as IP SANs and `dnsNames`, as Strimzi's broker certificates name the bootstrap Service). */
export function makeCertificates(dir: string, cluster: string, addresses: readonly string[], dnsNames: readonly string[], adminSubject: string): Certificates {
  const ca = new CertificateAuthority(dir, '/O=io.strimzi/CN=cluster-ca');
  const sans = ['DNS:localhost', ...dnsNames.map((n) => `DNS:${n}`), ...addresses.map((a) => `IP:${a}`)].join(',');
  const node = ca.issue('node', `/O=io.strimzi/CN=${cluster}-kafka`, sans);
  return {
    caPem: ca.certificate,
    nodeKey: node.key,
    nodeCert: node.cert,
    adminPem: ca.issue('admin', adminSubject).pem,
  };
}
