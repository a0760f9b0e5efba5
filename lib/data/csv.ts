import * as fs from 'fs';
import { UserError } from '../util';

/**
 * Minimal CSV for the data sets' own files (tags.csv, attributes.csv): a header row, comma
 * separated, no quoting (values are file names and colour words). Empty cells become ''.
 */
export function parseCsv(text: string, source = 'csv'): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UserError(`${source} is empty (expected a header row)`);
  const header = lines[0].split(',').map((h) => h.trim());
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) {
      throw new UserError(`${source} line ${i + 2} has ${cells.length} cells, expected ${header.length} (${header.join(',')})`);
    }
    const row: Record<string, string> = {};
    header.forEach((h, j) => (row[h] = cells[j].trim()));
    return row;
  });
}

export function readCsv(file: string): Record<string, string>[] {
  if (!fs.existsSync(file)) throw new UserError(`file not found: ${file}`);
  return parseCsv(fs.readFileSync(file, 'utf8'), file);
}

export function formatCsv(header: string[], rows: Record<string, string | number>[]): string {
  for (const h of header) {
    if (/[,\n"]/.test(h)) throw new Error(`CSV header cell needs quoting: ${h}`);
  }
  const lines = [header.join(',')];
  for (const r of rows) {
    lines.push(
      header
        .map((h) => {
          const v = String(r[h] ?? '');
          if (/[,\n"]/.test(v)) throw new Error(`CSV value needs quoting: ${v}`);
          return v;
        })
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
