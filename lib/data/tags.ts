import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../util';
import { readCsv } from './csv';

/** One row of the anime faces' tags.csv; null where the image is not tagged. */
export interface AnimeTag {
  file: string;
  hair: string | null;
  eye: string | null;
}

/**
 * Read the anime faces' hair/eye colour tags. `where` is the data root (containing
 * anime-faces-96/), the anime-faces-96 folder itself, or the tags.csv file.
 */
export function readAnimeTags(where: string): AnimeTag[] {
  const candidates = [where, path.join(where, 'tags.csv'), path.join(where, 'anime-faces-96', 'tags.csv')];
  const file = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!file) throw new UserError(`anime tags not found: looked for ${candidates.slice(1).join(' and ')}`);
  const rows = readCsv(file);
  if (rows.length > 0 && !('file' in rows[0] && 'hair' in rows[0] && 'eye' in rows[0])) {
    throw new UserError(`${file} must have the columns file,hair,eye`);
  }
  return rows.map((r) => ({ file: r.file, hair: r.hair || null, eye: r.eye || null }));
}

/** Count of each value of one tag (untagged rows left out), most frequent first. */
export function tagCounts(tags: readonly AnimeTag[], key: 'hair' | 'eye'): [string, number][] {
  const m = new Map<string, number>();
  for (const t of tags) {
    const v = t[key];
    if (v) m.set(v, (m.get(v) ?? 0) + 1);
  }
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
