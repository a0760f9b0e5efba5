import * as fs from 'fs';
import * as path from 'path';

/**
 * Root of the project (the folder whose package.json names this package), whether running from
 * lib/ under ts-node or from dist/; the working directory when not found.
 */
export function projectRoot(): string {
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
    if (up === dir) return process.cwd();
    dir = up;
  }
}
