import { randomBytes } from 'node:crypto';
import { buildPipeline } from '../charts';
import { loadEnvironment } from '../config/load';
import { commonLabels } from '../constructs/labels';
import { RequiredSecret } from '../constructs/required-secret';
import { toYamlDocuments } from '../output/yaml';
import { runCli, selectConfigFiles, UsageError } from './args';

/**
 * `npm run -s secrets -- --env minikube | kubectl apply -f -`
 * Prints the Secrets a minikube environment needs, with fresh random passwords (one per Secret
 * name, so every namespace gets the same value). Never written to disk, never in dist/.
 * On EKS and GKE the Secrets come from the cloud secret manager: it lists what to create there.
 */
void runCli(process.argv.slice(2), (options) => {
  const files = selectConfigFiles(options);
  if (files.length !== 1) throw new UsageError('secrets: select exactly one environment (--env <name> or --config <file>)');
  const env = loadEnvironment(files[0]);
  const { app, context: { platform } } = buildPipeline(env);
  const all = RequiredSecret.all(app);
  // Operators write the rest (the Kafka Access Operator, from the rendered KafkaAccess objects).
  const required = all.filter((s) => !s.writtenBy);

  if (!platform.userAppliesSecrets) {
    const lines = [...new Map(required.map((s) => [s.secretName, s])).values()].map((s) => `  ${s.secretName}: ${platform.describeSecretSource(s)}`);
    throw new UsageError(`secrets: ${env.name} syncs its Secrets through External Secrets; create these in the secret manager:\n${lines.join('\n')}`);
  }
  // One value per Secret name and key: the copies of a Secret in several namespaces must agree.
  const passwords = new Map<string, string>();
  const password = (name: string, key: string) => {
    const id = `${name}/${key}`;
    if (!passwords.has(id)) passwords.set(id, randomBytes(24).toString('base64url'));
    return passwords.get(id) as string;
  };
  const secrets = required.map((s) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: s.secretName, namespace: s.namespace, labels: commonLabels(), annotations: { 'cdc8s.io/purpose': s.purpose } },
    type: 'Opaque',
    stringData: Object.fromEntries(s.keys.map((key) => [key, password(s.secretName, key)])),
  }));
  process.stdout.write(toYamlDocuments(secrets));
});
