#!/usr/bin/env node
// Training steps of many shapes on the native backend, each case in a process of its own under
// glibc's MALLOC_CHECK_=3, to catch a kernel that writes outside its buffers (oneDNN's JIT code
// is not seen by AddressSanitizer; see native/README.md, "oneDNN's strided 1×1 filter gradient").
// Needs `npm run build`. Exits 1 if any case fails.
// Usage: node scripts/heap-check.js [steps=3]
//   One case: node scripts/heap-check.js --case MODEL BATCH WIDTH CRITIC_WIDTH SIZE [steps]
//   (MODEL: dcgan, wgan, wgan-gp, proposed, or proposed-gp: the cycle model with the penalty)
const { spawnSync } = require('child_process');

if (process.argv[2] === '--case') {
  const [model, batch, width, ndf, size, steps = '3'] = process.argv.slice(3);
  (async () => {
    const tf = require('@tensorflow/tfjs');
    const native = require('../dist/lib/backend/native');
    const { resolveConfig } = require('../dist/lib/presets');
    const { createModel } = require('../dist/lib/train');
    native.registerNativeBackend();
    if (!(await tf.setBackend('native'))) throw new Error('the native backend is not available');
    // proposed-gp: the cycle model with the gradient penalty (as the quick preset trains it).
    const gp = model === 'proposed-gp' ? { proposedAdversarial: 'wgan-gp' } : {};
    const config = resolveConfig(gp.proposedAdversarial ? 'proposed' : model, 'smoke', {
      seed: 1, batch: +batch, ngf: +width, resnetNgf: +width, ndf: +ndf, size: [+size, +size], ...gp,
    });
    const m = createModel(config);
    const images = (seed) => tf.randomUniform([+batch, +size, +size, 3], -1, 1, 'float32', seed);
    const data = { nextA: () => images(1), nextB: () => images(2) };
    for (let i = 0; i < +steps; i++) m.trainStep(data, i);
    m.dispose();
  })().catch((e) => {
    console.error(e.message);
    process.exit(2);
  });
  return;
}

const steps = process.argv[2] || '3';
if (!/^[1-9][0-9]*$/.test(steps)) {
  console.error(`heap-check: steps must be a positive whole number, got "${steps}"`);
  process.exit(2);
}
const cases = [];
for (const batch of [1, 3, 5]) {
  for (const width of [4, 8, 12, 16, 24]) for (const ndf of [4, 8, 16]) cases.push(['proposed', batch, width, ndf, 32]);
  for (const width of [4, 8]) cases.push(['proposed', batch, width, 8, 64], ['proposed', batch, width, 8, 96]);
  for (const width of [4, 16]) for (const ndf of [4, 16]) cases.push(['proposed-gp', batch, width, ndf, 32]);
  for (const model of ['dcgan', 'wgan', 'wgan-gp']) {
    for (const width of [4, 8, 16]) for (const size of [32, 64]) cases.push([model, batch, width, width, size]);
  }
}
let failed = 0;
cases.forEach((c, i) => {
  const r = spawnSync(process.execPath, [__filename, '--case', ...c.map(String), steps], {
    encoding: 'utf8', env: { ...process.env, MALLOC_CHECK_: '3' }, timeout: 900_000,
  });
  const ok = r.status === 0;
  if (!ok) failed++;
  const why = ok ? 'ok' : `FAILED (${r.signal ?? `exit ${r.status}`}): ${(r.stderr || '').trim().split('\n').pop()}`;
  console.log(`[${i + 1}/${cases.length}] ${c[0]} batch ${c[1]}, width ${c[2]}, critic ${c[3]}, ${c[4]}x${c[4]}: ${why}`);
});
console.log(failed ? `${failed} of ${cases.length} cases failed` : `all ${cases.length} cases ran clean`);
process.exit(failed ? 1 : 0);
