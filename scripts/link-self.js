#!/usr/bin/env node
// tslab does not resolve a package's import of itself, so notebooks in notebooks/ could not
// `import ... from 'anime-gan-workbook'`. Link node_modules/anime-gan-workbook to the project root.
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const link = path.join(root, 'node_modules', 'anime-gan-workbook');
try {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  let current = null;
  try { current = fs.readlinkSync(link); } catch { /* absent */ }
  if (current !== '..') {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync('..', link, 'dir');
  }
} catch (err) {
  console.warn(`anime-gan-workbook: could not link node_modules/anime-gan-workbook (${err.message}); notebooks will not find the library`);
}
