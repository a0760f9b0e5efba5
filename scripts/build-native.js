#!/usr/bin/env node
// Builds the native backend's addon (native/, oneDNN) with node-gyp. Runs on `npm ci` (the
// package's install script) and as `npm run build:native`. Never fails the install: when oneDNN,
// a compiler or node's headers are missing it prints one line saying why and exits 0, and the
// library falls back to wasm. Set ANIME_GAN_NO_NATIVE=1 to skip; ANIME_GAN_NATIVE_STRICT=1 to
// make a failed build an error (CI for the native backend).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const strict = !!process.env.ANIME_GAN_NATIVE_STRICT;
const skip = (why) => {
  console.log(`anime-gan: native backend not built (${why}); the wasm backend will be used`);
  process.exit(strict ? 1 : 0);
};

if (process.env.ANIME_GAN_NO_NATIVE) skip('ANIME_GAN_NO_NATIVE is set');
if (!fs.existsSync(path.join(root, 'native', 'binding.gyp'))) skip('native/ sources missing');

// oneDNN headers and library (Debian/Ubuntu: apt-get install libdnnl-dev).
const incDirs = ['/usr/include', '/usr/local/include', process.env.DNNL_ROOT && path.join(process.env.DNNL_ROOT, 'include')]
  .filter(Boolean);
if (!incDirs.some((d) => fs.existsSync(path.join(d, 'oneapi', 'dnnl', 'dnnl.hpp')))) {
  skip('oneDNN headers not found: apt-get install libdnnl-dev');
}

// A C++ compiler.
const cxx = process.env.CXX || 'c++';
const probe = spawnSync(cxx, ['--version'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) skip(`no C++ compiler (${cxx}): apt-get install g++ make`);

// node-gyp: npm's own (npm_config_node_gyp during npm scripts), a local one, or npm's bundled copy.
const candidates = [
  process.env.npm_config_node_gyp,
  (() => { try { return require.resolve('node-gyp/bin/node-gyp.js'); } catch { return undefined; } })(),
  path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && fs.existsSync(p));
if (!candidates.length) skip('node-gyp not found');

// Node's headers: use the installed ones when present (no download; offline machines).
const args = [candidates[0], 'rebuild', '--directory', path.join(root, 'native')];
const nodedir = process.env.npm_config_nodedir || path.resolve(path.dirname(process.execPath), '..');
if (fs.existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodedir}`);

console.log('anime-gan: building the native backend (oneDNN addon)...');
const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  const err = `${r.stderr || ''}${r.stdout || ''}`.split('\n').find((l) => /error/i.test(l)) || `node-gyp exited ${r.status}`;
  skip(`build failed: ${err.trim().slice(0, 200)}`);
}
// Load it once so a broken link (e.g. libdnnl.so missing at run time) is reported now.
try {
  const addon = require(path.join(root, 'native', 'build', 'Release', 'animegan_native.node'));
  console.log(`anime-gan: native backend built (${addon.info()})`);
} catch (e) {
  skip(`built addon does not load: ${String(e.message).split('\n')[0]}`);
}
