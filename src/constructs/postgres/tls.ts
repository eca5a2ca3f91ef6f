import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { commonLabels } from '../k8s/labels';

/** cert-manager's cluster resource namespace (its install default): a ClusterIssuer's CA Secret lives there. */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
/** Where the server reads its certificate and key (a Secret volume cert-manager keeps current). */
export const POSTGRES_TLS_DIR = '/etc/cdc8s/tls';
/** The key of an issued Secret that holds the issuing CA's certificate (cert-manager's CA issuer fills it). */
export const CA_KEY = 'ca.crt';

const API_VERSION = 'cert-manager.io/v1';
/** Issued certificates live 90 days and are renewed 30 days before they expire; the server reloads them. */
const SERVER_DURATION = '2160h';
const SERVER_RENEW_BEFORE = '720h';
/**
 * The CA lives 10 years and keeps its key when renewed (rotationPolicy Never): a renewed CA
 * certificate with the same key and subject still verifies every certificate the old one signed,
 * so clients holding either copy keep trusting the server through a CA renewal.
 */
const CA_DURATION = '87600h';
const CA_RENEW_BEFORE = '8760h';
const PRIVATE_KEY = { algorithm: 'ECDSA', size: 256 };

/** A certificate the CA issuer signs and cert-manager renews (new key each time), into `secretName`. */
function issuedCertificate(environment: string, secretName: string, names: { commonName: string; dnsNames?: readonly string[] }, usage: 'server auth' | 'client auth') {
  return {
    secretName,
    commonName: names.commonName,
    ...(names.dnsNames ? { dnsNames: [...names.dnsNames] } : {}),
    usages: [usage, 'digital signature'],
    duration: SERVER_DURATION,
    renewBefore: SERVER_RENEW_BEFORE,
    privateKey: { ...PRIVATE_KEY, rotationPolicy: 'Always' },
    issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: postgresCaIssuerName(environment) },
  };
}

/** The ClusterIssuer that signs the database's certificates for an environment. */
export function postgresCaIssuerName(environment: string): string {
  return `cdc8s-${environment}-postgres-ca`;
}

/**
 * For dist/platform/<env>.yaml (the platform team applies it, with cert-manager's own namespace):
 * a self-signed bootstrap ClusterIssuer, the CA Certificate it signs (in cert-manager's namespace,
 * where a ClusterIssuer reads its Secret), and the CA ClusterIssuer the database's certificates
 * come from. A ClusterIssuer rather than an Issuer in the data namespace: the clients' namespaces
 * get the CA certificate from cert-manager too (PostgresTrust), never a copy of its key.
 */
export class PostgresCertificateAuthority extends Construct {
  constructor(scope: Construct, id: string, environment: string) {
    super(scope, id);
    const issuer = postgresCaIssuerName(environment);
    const bootstrap = `${issuer}-bootstrap`;
    const labels = commonLabels();
    new ApiObject(this, 'Bootstrap', { apiVersion: API_VERSION, kind: 'ClusterIssuer', metadata: { name: bootstrap, labels }, spec: { selfSigned: {} } });
    new ApiObject(this, 'Certificate', {
      apiVersion: API_VERSION,
      kind: 'Certificate',
      metadata: { name: issuer, namespace: CERT_MANAGER_NAMESPACE, labels },
      spec: {
        isCA: true,
        commonName: `cdc8s ${environment} PostgreSQL CA`,
        secretName: issuer,
        duration: CA_DURATION,
        renewBefore: CA_RENEW_BEFORE,
        privateKey: { ...PRIVATE_KEY, rotationPolicy: 'Never' },
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: bootstrap },
      },
    });
    new ApiObject(this, 'Issuer', { apiVersion: API_VERSION, kind: 'ClusterIssuer', metadata: { name: issuer, labels }, spec: { ca: { secretName: issuer } } });
  }
}

export interface PostgresServerCertificateProps {
  readonly environment: string;
  /** The Service's name and namespace: the certificate names every form of its DNS name. */
  readonly service: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/**
 * The server's certificate, issued and renewed by cert-manager into the Secret `<service>-tls`.
 * The reconcile sidecar reloads the server when the mounted files change: no manual step.
 */
export class PostgresServerCertificate extends Construct {
  readonly secretName: string;
  readonly dnsNames: readonly string[];

  constructor(scope: Construct, id: string, props: PostgresServerCertificateProps) {
    super(scope, id);
    this.secretName = `${props.service}-tls`;
    const { service, namespace } = props;
    this.dnsNames = [`${service}.${namespace}.svc.cluster.local`, `${service}.${namespace}.svc`, `${service}.${namespace}`, service];
    new ApiObject(this, 'Resource', {
      apiVersion: API_VERSION,
      kind: 'Certificate',
      metadata: { name: this.secretName, namespace, labels: props.labels },
      spec: issuedCertificate(props.environment, this.secretName, { commonName: this.dnsNames[0], dnsNames: this.dnsNames }, 'server auth'),
    });
  }

  /** The certificate and key as files PostgreSQL accepts: root-owned, group-readable (fsGroup), nothing for others. */
  volume(name: string): k8s.Volume {
    return {
      name,
      secret: {
        secretName: this.secretName,
        defaultMode: 0o440,
        items: [
          { key: 'tls.crt', path: 'tls.crt' },
          { key: 'tls.key', path: 'tls.key' },
        ],
      },
    };
  }
}

export interface PostgresTrustProps {
  readonly environment: string;
  /** Namespace of the client workload. */
  readonly namespace: string;
  /** The role the client logs in as: the certificate's common name (ready for client-certificate auth). */
  readonly role: string;
  readonly labels: Record<string, string>;
}

/**
 * A client's trust in the database server: a client certificate from the same ClusterIssuer in
 * the client's namespace, whose Secret carries the CA certificate (`ca.crt`) cert-manager keeps
 * current. Only `ca.crt` is mounted; clients verify the server (sslmode verify-full) against it.
 */
export class PostgresTrust extends Construct {
  readonly secretName = 'postgres-client-tls';

  constructor(scope: Construct, id: string, props: PostgresTrustProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: API_VERSION,
      kind: 'Certificate',
      metadata: { name: this.secretName, namespace: props.namespace, labels: props.labels },
      spec: issuedCertificate(props.environment, this.secretName, { commonName: props.role }, 'client auth'),
    });
  }

  /** Only the CA certificate, as a read-only file `ca.crt`. */
  volume(name: string): k8s.Volume {
    return { name, secret: { secretName: this.secretName, defaultMode: 0o444, items: [{ key: CA_KEY, path: CA_KEY }] } };
  }
}
