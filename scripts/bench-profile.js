#!/usr/bin/env node
// Profile the native backend's kernels over DCGAN training steps (needs `npm run build`).
// Usage: node scripts/bench-profile.js [size=64] [batch=64] [steps=3] [backend=native]
process.env.ANIME_GAN_NATIVE_PROFILE = '1';
const tf = require('@tensorflow/tfjs');
const native = require('../dist/lib/backend/native');
const { benchDcgan } = require('../dist/lib/bench/dcgan');
(async () => {
  const [size = 64, batch = 64, steps = 3] = process.argv.slice(2, 5).map(Number);
  const backend = process.argv[5] || 'native';
  native.registerNativeBackend();
  await tf.setBackend(backend);
  const r = await benchDcgan({ size, batch, steps, warmup: 1 });
  console.log(JSON.stringify(r));
  const rows = native.nativeKernelProfile();
  const total = rows.reduce((a, b) => a + b.ms, 0);
  console.log(`kernel total ${(total / (steps + 1)).toFixed(0)} ms/step (incl. warmup step)`);
  for (const r of rows.slice(0, 30)) console.log(`${r.kernel.padEnd(24)} ${r.native ? 'N' : 'w'} ${String(r.calls).padStart(6)} ${(r.ms / (steps + 1)).toFixed(1).padStart(9)} ms/step`);
})();
