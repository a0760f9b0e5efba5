#!/usr/bin/env node
// Profile the native backend's kernels over training steps (needs `npm run build`).
// Usage: node scripts/bench-profile.js [model=dcgan|proposed|quick] [size=64] [batch=64|8] [steps=3] [backend=native]
// quick: the quick preset's cycle model as it trains (32x32, batch 8, widths 16/32, gradient penalty).
// The proposed model is profiled at the paper preset's widths (ngf = ndf = 64), as `npm run bench` times it.
process.env.ANIME_GAN_NATIVE_PROFILE ||= '1'; // 'shapes': one row per kernel and input shapes
const tf = require('@tensorflow/tfjs');
const native = require('../dist/lib/backend/native');
const { benchDcgan } = require('../dist/lib/bench/dcgan');
const { benchProposedStep } = require('../dist/lib/bench/model');
(async () => {
  const args = process.argv.slice(2);
  const model = args[0] && isNaN(Number(args[0])) ? args.shift() : 'dcgan';
  if (model !== 'dcgan' && model !== 'proposed' && model !== 'quick') {
    console.error(`bench-profile: unknown model "${model}" (dcgan, proposed or quick)`);
    process.exit(2);
  }
  const [size = model === 'quick' ? 32 : 64, batch = model === 'dcgan' ? 64 : 8, steps = 3] = args.slice(0, 3).map(Number);
  const backend = args[3] || 'native';
  native.registerNativeBackend();
  await tf.setBackend(backend);
  // A first short run creates the oneDNN primitives, then the totals start afresh; the measured
  // run's own untimed steps still count in them (hence steps + untimed below).
  const run = (n) => (model === 'dcgan' ? benchDcgan({ size, batch, steps: n, warmup: 1 })
    : benchProposedStep({ size, batch, steps: n, warmup: 2, preset: model === 'quick' ? 'quick' : undefined }));
  await run(1);
  native.nativeKernelProfile(true);
  const r = await run(steps);
  const untimed = model === 'dcgan' ? 1 : 2; // benchDcgan's warmup; benchProposedStep's two untimed steps
  console.log(JSON.stringify(r));
  const rows = native.nativeKernelProfile();
  const total = rows.reduce((a, b) => a + b.ms, 0);
  console.log(`kernel total ${(total / (steps + untimed)).toFixed(0)} ms/step (primitives created beforehand)`);
  for (const r of rows.slice(0, Number(process.env.ROWS || 40))) console.log(`${r.kernel.padEnd(process.env.ANIME_GAN_NATIVE_PROFILE === 'shapes' ? 60 : 24)} ${r.native ? 'N' : 'w'} ${String(r.calls).padStart(6)} ${(r.ms / (steps + untimed)).toFixed(1).padStart(9)} ms/step`);
})();
