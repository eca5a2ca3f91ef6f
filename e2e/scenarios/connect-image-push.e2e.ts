import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { availableOrSkip } from '../harness/available';
import { missingGo } from '../harness/kube';
import { stopAll } from '../harness/process';
import { esoTemplate, generatorOutputKeys, missingRegistryTools, ociImage, Registry } from '../harness/registry';
import { objectsOf, render } from '../../test/helpers';

/**
 * The Connect image build's push Secret, judged by the programs that read it: External Secrets'
 * own template engine renders the rendered ExternalSecret over the output keys of its generator
 * (read from the generator's source), and skopeo, whose containers/image parses REGISTRY_AUTH_FILE
 * as Buildah does, pushes an image with that file to a real registry that requires the login.
 */
const ready = availableOrSkip(missingGo() ?? missingRegistryTools());

/** The login each generator returns (its source: ECR's token decodes to AWS:<token>; GCR's user is oauth2accesstoken). */
const USERNAMES = { ECRAuthorizationToken: 'AWS', GCRAccessToken: 'oauth2accesstoken' } as const;

describe.runIf(ready).each(['eks', 'gke'])("%s: Strimzi's Buildah build can push with the rendered push Secret", (env) => {
  const objects = objectsOf(render(env));
  const connect = objects.find((o) => o.kind === 'KafkaConnect') as any;
  const pushSecret = objects.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === connect.spec.build.output.pushSecret) as any;
  const kind = pushSecret.spec.dataFrom[0].sourceRef.generatorRef.kind as keyof typeof USERNAMES;
  const image: string = connect.spec.build.output.image;
  const host = image.split('/')[0];
  const dir = mkdtempSync(join(tmpdir(), 'cdc8s-registry-'));
  const output = Object.fromEntries(generatorOutputKeys(kind).map((key) => [key, `${key}-value`]));
  const login = { username: USERNAMES[kind], password: `token-${Date.now()}` };
  const registry = new Registry(dir, host, login);
  const authFile = (content: string) => {
    const file = join(dir, `auth-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(file, content);
    return file;
  };

  afterAll(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`External Secrets renders the template over what ${kind} outputs (${generatorOutputKeys(kind).join(', ')})`, () => {
    expect(Object.keys(output)).toEqual(expect.arrayContaining(['username', 'password']));
    const rendered = esoTemplate(pushSecret.spec.target.template.data, { ...output, ...login });
    expect(rendered.error).toBeUndefined();
    const config = JSON.parse(rendered.data?.['.dockerconfigjson'] as string);
    expect(Object.keys(config.auths)).toEqual([host]);
  });

  it('skopeo pushes the build output with the rendered file as REGISTRY_AUTH_FILE; the registry refused it anonymous', async () => {
    await registry.start();
    const rendered = esoTemplate(pushSecret.spec.target.template.data, { ...output, ...login }).data?.['.dockerconfigjson'] as string;
    const source = ociImage(dir, 'build');
    const push = registry.skopeo(authFile(rendered), ['copy', '--dest-cert-dir', registry.certDir, source, `docker://${image}`]);
    expect(push.stderr, registry.tail()).toBe('');
    expect(push.status).toBe(0);
    const inspect = registry.skopeo(authFile(rendered), ['inspect', '--cert-dir', registry.certDir, `docker://${image}`]);
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout).Name).toBe(image.split(':')[0]);
    // What was rendered before: user and password as fields, which containers/image does not read.
    const fields = authFile(JSON.stringify({ auths: { [host]: { username: login.username, password: login.password } } }));
    const anonymous = registry.skopeo(fields, ['copy', '--dest-cert-dir', registry.certDir, source, `docker://${image}`]);
    expect(anonymous.status).not.toBe(0);
    expect(anonymous.stderr).toMatch(/authentication required|unauthorized/i);
  });
});
