import * as fs from 'fs';
import * as path from 'path';

/**
 * Root of the project (the folder whose package.json names this package), whether running from
 * lib/ under ts-node or from dist/; undefined when not found.
 */
export function findPackageRoot(): string | undefined {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'anime-gan-workbook') return dir;
      } catch {
        /* not ours */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** findPackageRoot, or the working directory when not found. */
export function projectRoot(): string {
  return findPackageRoot() ?? process.cwd();
}
