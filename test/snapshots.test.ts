import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, render } from './helpers';

// A safety net, not the proof: any change to the rendered output shows up in review.
// The behaviour each file guarantees is asserted in the other test files. The Helm templates are
// the manifests again (helm-chart.test.ts proves it), so they are not snapshotted twice.
describe('rendered output snapshot', () => {
  it.each(ENVIRONMENTS)('%s', (name) => {
    const { files } = render(name);
    const snapshotted = [...files].filter(([path]) => !/^helm\/[^/]+\/charts\/[^/]+\/templates\//.test(path));
    for (const [path, content] of snapshotted.sort(([a], [b]) => (a < b ? -1 : 1))) {
      expect(content, path).toMatchSnapshot(path);
    }
  });
});
