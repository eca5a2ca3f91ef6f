import { k8s } from 'cdk8s-plus-27';

/** How a sidecar's scripts reach the server: the superuser over the shared socket (peer login), libpq's own variables. */
export function serverEnvironment(server: { readonly socketDir: string; readonly port: number }): k8s.EnvVar[] {
  return [
    { name: 'PGHOST', value: server.socketDir },
    { name: 'PGPORT', value: String(server.port) },
    { name: 'PGUSER', value: 'postgres' },
    { name: 'PGDATABASE', value: 'postgres' },
    { name: 'PGCONNECT_TIMEOUT', value: '5' },
  ];
}
