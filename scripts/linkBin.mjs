// Development checkouts only (run by `prepare`): links this checkout as node_modules/layergen, with
// its bin, so `npx layergen` runs this checkout's CLI as it does in a project that installed the
// package. (A self-referencing devDependency "layergen": "file:." did the same, but npm then skips
// the bin link in projects that install the packed tarball.)
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';

mkdirSync('node_modules/.bin', { recursive: true });
for (const [link, target, type] of [
  ['node_modules/layergen', '..', 'junction'], // a junction where Windows has no symlink rights
  ['node_modules/.bin/layergen', '../../bin/layergen.js', 'file'],
]) {
  rmSync(link, { force: true, recursive: false });
  symlinkSync(target, link, type);
}
