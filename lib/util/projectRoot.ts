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

/**
 * `p` as a report should record it: under $DATA_ROOT as `$DATA_ROOT/…`, so a committed report
 * names the data set and not a folder of the machine that ran it; otherwise absolute.
 */
export function reportPath(p: string, dataRoot = process.env.DATA_ROOT): string {
  const abs = path.resolve(p);
  if (!dataRoot) return abs;
  const rel = path.relative(path.resolve(dataRoot), abs);
  return rel === '' ? '$DATA_ROOT' : rel.startsWith('..') || path.isAbsolute(rel) ? abs : `$DATA_ROOT/${rel.split(path.sep).join('/')}`;
}
