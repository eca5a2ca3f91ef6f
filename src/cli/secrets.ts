import { randomBytes } from 'node:crypto';
import { buildPipeline } from '../charts';
import { commonLabels } from '../constructs/k8s/labels';
import { RequiredSecret } from '../constructs/k8s/required-secret';
import { runCli, selectConfigFiles, UsageError } from './args';
import { resolveEnvironment } from '../platforms/resolve';

/**
 * `npm run -s secrets -- --env minikube | sh`
 * Prints a shell script that creates the Secrets a minikube environment needs, with fresh random
 * passwords (one per Secret name, so every namespace's copy has the same value). Existing Secrets
 * are kept; `--rotate` replaces every copy with a new value. The script uses `kubectl create`,
 * which (unlike `kubectl apply`) stores no last-applied-configuration copy of the values, and
 * hands each manifest to kubectl on standard input, never on a command line. Never written to
 * disk, never in dist/. On EKS and GKE the Secrets come from the cloud secret manager: it lists
 * what to create there.
 */
void runCli(process.argv.slice(2), (options) => {
  const files = selectConfigFiles(options);
  if (files.length !== 1) throw new UsageError('secrets: select exactly one environment (--env <name> or --config <file>)');
  const env = resolveEnvironment(files[0]);
  const {
    app,
    context: { platform },
  } = buildPipeline(env);
  const all = RequiredSecret.all(app);
  // Operators write the rest (the Kafka Access Operator, from the rendered KafkaAccess objects).
  const required = all.filter((s) => !s.writtenBy);

  if (!platform.userAppliesSecrets) {
    // Nothing to create in the cluster: what to create in the secret manager, as comments, so that
    // the usual `| sh` does nothing and exits 0.
    const lines = [...new Map(required.map((s) => [s.secretName, s])).values()].map((s) => `  ${s.secretName}: ${platform.describeSecretSource(s)}`);
    const grants = platform.secretGrants(required).map((line) => `  ${line}`);
    const text = [
      `cdc8s: ${env.name} syncs its Secrets through External Secrets: nothing to create in the cluster. Create these in the secret manager (once):`,
      ...lines,
      "and give each namespace's reader identity exactly its secrets:",
      ...grants,
    ];
    process.stdout.write(`${['#!/bin/sh', ...text.map((line) => `# ${line}`)].join('\n')}\n`);
    return 0;
  }
  // One value per Secret name and key: the copies of a Secret in several namespaces must agree.
  const byName = new Map<string, RequiredSecret[]>();
  for (const s of required) byName.set(s.secretName, [...(byName.get(s.secretName) ?? []), s]);
  const groups = [...byName.entries()].map(([name, copies]) => {
    const values = Object.fromEntries(copies[0].keys.map((key) => [key, randomBytes(24).toString('base64url')]));
    const items = copies.map((s) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: s.namespace, labels: commonLabels(), annotations: { 'cdc8s.io/purpose': s.purpose } },
      type: 'Opaque',
      stringData: values,
    }));
    return { name, namespaces: copies.map((s) => s.namespace), list: { apiVersion: 'v1', kind: 'List', items } };
  });
  process.stdout.write(secretsScript(env.name, options.rotate, groups));
  return 0;
});

/** The script: one call per Secret name, its copies (a List) on standard input. */
function secretsScript(envName: string, rotate: boolean, groups: readonly { name: string; namespaces: readonly string[]; list: object }[]): string {
  return [
    '#!/bin/sh',
    `# cdc8s: the Secrets environment ${envName} needs. Run it with sh against the cluster kubectl points at.`,
    rotate ? '# --rotate: every copy of each Secret is replaced with a new value.' : '# A Secret whose copies all exist is kept; npm run secrets -- --rotate replaces them.',
    'set -eu',
    `rotate=${rotate ? 'yes' : 'no'}`,
    'status=0',
    '# secret <name> <namespace>...: creates the copies of one Secret (read on standard input) in one step.',
    'secret() {',
    '  name=$1; shift',
    '  found=0',
    '  for ns in "$@"; do if kubectl get secret "$name" -n "$ns" >/dev/null 2>&1; then found=$((found + 1)); fi; done',
    '  if [ "$rotate" = yes ]; then',
    '    for ns in "$@"; do kubectl delete secret "$name" -n "$ns" --ignore-not-found >/dev/null; done',
    '    kubectl create -f -',
    '  elif [ "$found" -eq 0 ]; then',
    '    kubectl create -f -',
    '  elif [ "$found" -eq "$#" ]; then',
    '    cat >/dev/null; echo "kept secret $name in $* (npm run secrets -- --rotate replaces it)" >&2',
    '  else',
    '    cat >/dev/null; status=1',
    '    echo "secret $name exists in only $found of $* : its copies must hold one value; npm run secrets -- --rotate gives them a new one" >&2',
    '  fi',
    '}',
    ...groups.flatMap((g) => [`secret ${g.name} ${g.namespaces.join(' ')} <<'CDC8S_SECRET'`, JSON.stringify(g.list), 'CDC8S_SECRET']),
    'exit $status',
    '',
  ].join('\n');
}
