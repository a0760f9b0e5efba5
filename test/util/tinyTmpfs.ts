import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Mount a small tmpfs (default 64 KB) on a fresh folder (needs root); a string says why not. */
export function mountTinyTmpfs(size = '64k'): { dir: string } | string {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agw-tinyfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    fs.rmdirSync(dir);
    return `mount -t tmpfs failed (${String((e as Error).message).split('\n')[0]})`;
  }
  return { dir };
}
