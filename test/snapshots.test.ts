import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, render } from './helpers';

// A safety net, not the proof: any change to the rendered output shows up in review.
// The behaviour each file guarantees is asserted in the other test files.
describe('rendered output snapshot', () => {
  it.each(ENVIRONMENTS)('%s', (name) => {
    const { files } = render(name);
    for (const [path, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      expect(content, path).toMatchSnapshot(path);
    }
  });
});
