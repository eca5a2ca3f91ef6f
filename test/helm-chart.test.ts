import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPONENTS } from '../src/charts';
import { writeAtomically } from '../src/output/write';
import { helm } from './helm';
import { cli, ENVIRONMENTS, RenderedObject, objectsOf, parseYamlObjects, render, renderVariant, ROOT, tempDir } from './helpers';

/** Objects as a sorted list of canonical JSON (sorted keys), so order and formatting do not matter. */
function canonical(objects: readonly RenderedObject[]): string[] {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
          )
        : v;
  return objects.map((o) => JSON.stringify(sortKeys(o))).sort();
}

function template(chart: string, ...args: string[]): RenderedObject[] {
  const result = helm(['template', 'cdc8s', chart, ...args]);
  expect(result.status, result.stderr).toBe(0);
  return parseYamlObjects(result.stdout);
}

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
let out: string;

beforeAll(() => {
  out = tempDir('cdc8s-helm-');
  const synth = cli('synth', ['--out', out]);
  expect(synth.status, synth.stderr).toBe(0);
});

describe.each(ENVIRONMENTS)('%s: the Helm umbrella chart installs exactly dist/<env>/', (name) => {
  const rendered = render(name);
  const objects = objectsOf(rendered);
  const chart = () => join(out, 'helm', `cdc8s-${name}`);
  // The components this environment renders (monitoring only with observability on).
  const present = COMPONENTS.filter((c) => rendered.manifests.some((m) => m.component === c));

  it('passes helm lint --strict', () => {
    const result = helm(['lint', '--strict', chart()]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('0 chart(s) failed');
  });

  it('helm template yields the same objects as the plain manifests', () => {
    expect(canonical(template(chart()))).toEqual(canonical(objects));
  });

  it.each(present)('--set %s.enabled=false removes exactly that component', (component) => {
    const files = rendered.manifests.filter((m) => m.component === component).map((m) => m.file);
    expect(files.length).toBeGreaterThan(0);
    const kept = rendered.manifests.filter((m) => m.component !== component).flatMap((m) => parseYamlObjects(rendered.files.get(`${name}/${m.file}`) as string));
    expect(canonical(template(chart(), '--set', `${component}.enabled=false`))).toEqual(canonical(kept));
  });

  it.each([
    ['a mistyped toggle', 'kafka.enabled=maybe', "'/kafka/enabled': got string, want boolean"],
    ['an unknown component', 'kafak.enabled=false', "additional properties 'kafak' not allowed"],
    ['an unknown setting of a component', 'kafka.replicas=5', "additional properties 'replicas' not allowed"],
  ])('rejects %s through values.schema.json', (_, value, message) => {
    const result = helm(['template', 'cdc8s', chart(), '--set', value]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it('installs only on the Kubernetes versions we render for (1.30, Strimzi 1.2.0 minimum, to 1.35)', () => {
    for (const supported of ['1.30.0', '1.35.0', 'v1.30.2-eks-1552ad0']) {
      expect(helm(['template', 'cdc8s', chart(), '--kube-version', supported]).status, supported).toBe(0);
    }
    for (const unsupported of ['1.29.9', '1.36.0']) {
      const result = helm(['template', 'cdc8s', chart(), '--kube-version', unsupported]);
      expect(result.status, unsupported).not.toBe(0);
      expect(result.stderr).toContain('incompatible with Kubernetes');
    }
  });

  it('does not let the release name or Helm leak into the objects', () => {
    expect(canonical(template(chart()))).toEqual(canonical(parseYamlObjects(helm(['template', 'another-release', chart()]).stdout)));
    const text = JSON.stringify(template(chart()));
    expect(text).not.toContain('helm.sh/chart');
    expect(text).not.toContain('cdc8s-release');
  });

  it('takes its version from package.json and declares one conditional file:// subchart per component', () => {
    const meta = parse(readFileSync(join(chart(), 'Chart.yaml'), 'utf8'));
    expect(meta).toMatchObject({ apiVersion: 'v2', name: `cdc8s-${name}`, version, appVersion: rendered.env.config.api.image.tag });
    expect(meta.dependencies).toEqual(present.map((c) => ({ name: c, version, repository: `file://charts/${c}`, condition: `${c}.enabled` })));
    for (const c of present) {
      expect(parse(readFileSync(join(chart(), 'charts', c, 'Chart.yaml'), 'utf8'))).toMatchObject({ apiVersion: 'v2', name: c, version });
    }
    const values = parse(readFileSync(join(chart(), 'values.yaml'), 'utf8'));
    expect(values).toEqual(Object.fromEntries(present.map((c) => [c, { enabled: true }])));
  });

  it('bundles neither the Strimzi operator nor its CRDs, and its NOTES say how to install it', () => {
    const kinds = new Set(template(chart()).map((o) => o.kind));
    expect(kinds.has('CustomResourceDefinition')).toBe(false);
    expect(kinds.has('ClusterRole')).toBe(false);
    const only = present
      .filter((c) => c !== 'namespaces')
      .map((c) => `${c}.enabled=false`)
      .join(',');
    const first = helm(['install', 'cdc8s', chart(), '--dry-run=client', '--set', only]);
    expect(first.status, first.stderr).toBe(0);
    const notes = first.stdout.slice(first.stdout.indexOf('NOTES:'));
    expect(notes).toContain('helm upgrade --install strimzi oci://quay.io/strimzi-helm/strimzi-kafka-operator --version 1.2.0');
    expect(notes).toContain(`watchNamespaces={${rendered.env.config.namespaces.streaming}}`);
    // The restricted provider is part of the security posture (README, "Security"), and the operator
    // must run where the streaming namespace's NetworkPolicies admit it.
    expect(notes).toContain("--set 'extraEnvs[0].name=STRIMZI_POD_SECURITY_PROVIDER_CLASS' --set 'extraEnvs[0].value=restricted'");
    expect(notes).toContain(`--namespace ${rendered.env.config.kafka.operatorNamespace} --create-namespace`);
    // An upgrade without values would reuse the first install's (everything off).
    expect(notes).toMatch(/helm upgrade cdc8s <this chart> --namespace \S+ --reset-values/);
    const full = helm(['install', 'cdc8s', chart(), '--dry-run=client']);
    expect(full.stdout.slice(full.stdout.indexOf('NOTES:'))).toContain('the Strimzi Kafka Access Operator 0.3.0');
  });
});

describe('Helm template syntax in values', () => {
  it('passes text that looks like a Helm template through unchanged', () => {
    const literal = '{{ .Release.Name }}-{{- fail "boom" -}}';
    const variant = renderVariant('minikube', (c) => {
      c.consumers[0].config = { 'client.id': literal };
    });
    const dir = tempDir('cdc8s-helm-literal-');
    writeAtomically(dir, variant.files, variant.units);
    const configMaps = template(join(dir, 'helm', 'cdc8s-minikube')).filter((o) => o.kind === 'ConfigMap');
    const properties = configMaps.map((c) => c.data['client.properties'] as string).join('\n');
    expect(properties).toContain(`client.id=${literal}`);
    expect(canonical(template(join(dir, 'helm', 'cdc8s-minikube')))).toEqual(canonical(objectsOf(variant)));
  });
});
