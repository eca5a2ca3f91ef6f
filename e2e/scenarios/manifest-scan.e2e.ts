import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYamlDocuments } from '../../src/output/yaml';
import { DIST, ENVIRONMENTS, envFile, objectsOf, render, tempDir } from '../../test/helpers';
import { manifestBreakages, SCANNER_COVERS } from '../../test/manifest-breakages';
import { availableOrSkip } from '../harness/available';
import { missingGo } from '../harness/kube';
import { buildTrivy, type Finding, scan, WAIVERS_FILE } from '../harness/trivy';

/**
 * A real manifest scanner over everything we ship: trivy's Kubernetes checks on every dist/<env>/
 * (what kubectl and Argo CD apply), every Helm chart (rendered by trivy's own Helm engine) and the
 * platform team's files. Each finding is fixed in the output or waived in .trivyignore.yaml with
 * the reason; a waiver no finding needs any more fails too.
 */
const ready = availableOrSkip(missingGo());

/** Every `registry` an environment file names: the registries that environment pulls from, and trusts. */
function configuredRegistries(env: string): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object')
      for (const [key, child] of Object.entries(value)) {
        if (key === 'registry' && typeof child === 'string') found.add(child);
        else walk(child);
      }
  };
  walk(parse(readFileSync(envFile(env), 'utf8')));
  return [...found].sort();
}

const show = (findings: readonly Finding[]) => findings.map((f) => `${f.id} ${f.severity} ${f.target}: ${f.message}`);

describe.runIf(ready)('trivy (the real scanner) over every manifest we ship', () => {
  let trivy: string;
  const work = tempDir('cdc8s-trivy-');
  const raw = new Map<string, Finding[]>();
  beforeAll(() => {
    trivy = buildTrivy();
  }, 35 * 60_000);

  const targets = ENVIRONMENTS.flatMap((env) => [env, `helm/cdc8s-${env}`].map((dir) => [dir, env] as const));

  it.each(targets)('dist/%s: no finding beyond the waivers', (dir, env) => {
    const options = { trustedRegistries: configuredRegistries(env), workDir: work };
    expect(show(scan(trivy, join(DIST, dir), { ...options, waivers: true }))).toEqual([]);
    raw.set(dir, scan(trivy, join(DIST, dir), { ...options, waivers: false }));
  });

  it("the platform team's files and the Argo CD Applications: no finding at all", () => {
    for (const dir of ['platform', 'argocd']) expect(show(scan(trivy, join(DIST, dir), { trustedRegistries: [], workDir: work, waivers: false }))).toEqual([]);
  });

  it('every waiver is still needed: some target has a finding of its check', () => {
    const waived = (parse(readFileSync(WAIVERS_FILE, 'utf8')) as { misconfigurations: { id: string; statement: string }[] }).misconfigurations;
    expect(waived.length).toBeGreaterThan(0);
    expect(raw.size).toBe(targets.length);
    const seen = new Set([...raw.values()].flat().map((f) => f.id));
    for (const { id, statement } of waived) {
      expect(statement.length, `${id} says why`).toBeGreaterThan(20);
      expect(seen.has(id), `${id} is waived but nothing needs it any more`).toBe(true);
    }
  });

  /**
   * The kube-linter checks we no longer re-state (test/kube-linter-checks.test.ts): for each, the
   * same breakage of the eks objects makes trivy report its check, which the unbroken objects do not.
   */
  describe('covers each retired kube-linter check: its breakage makes trivy report the check', () => {
    const objects = objectsOf(render('eks'));
    const options = { trustedRegistries: configuredRegistries('eks'), workDir: work, waivers: true };
    const scanObjects = (name: string, list: readonly unknown[]) => {
      const dir = join(work, 'objects', name.replaceAll('/', '-'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'objects.yaml'), toYamlDocuments(list));
      return new Set(scan(trivy, dir, options).map((f) => f.id));
    };
    const cases = manifestBreakages(objects).filter(([check]) => check in SCANNER_COVERS);
    let unbroken: Set<string>;
    beforeAll(() => {
      unbroken = scanObjects('unbroken', objects);
    });

    it('covers exactly the checks SCANNER_COVERS names', () => {
      expect(cases.map(([check]) => check).sort()).toEqual(Object.keys(SCANNER_COVERS).sort());
    });

    it.each(cases)('%s', (check, broken) => {
      const id = SCANNER_COVERS[check];
      expect(unbroken.has(id)).toBe(false);
      expect(scanObjects(check, broken).has(id)).toBe(true);
    });
  });
});
