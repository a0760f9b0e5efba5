#!/usr/bin/env node
// Profile the native backend's kernels over training steps (needs `npm run build`).
// Usage: node scripts/bench-profile.js [model=dcgan|proposed] [size=64] [batch=64|8] [steps=3] [backend=native]
// The proposed model is profiled at the paper preset's widths (ngf = ndf = 64), as `npm run bench` times it.
process.env.ANIME_GAN_NATIVE_PROFILE = '1';
const tf = require('@tensorflow/tfjs');
const native = require('../dist/lib/backend/native');
const { benchDcgan } = require('../dist/lib/bench/dcgan');
const { benchProposedStep } = require('../dist/lib/bench/model');
(async () => {
  const args = process.argv.slice(2);
  const model = args[0] && isNaN(Number(args[0])) ? args.shift() : 'dcgan';
  if (model !== 'dcgan' && model !== 'proposed') {
    console.error(`bench-profile: unknown model "${model}" (dcgan or proposed)`);
    process.exit(2);
  }
  const [size = 64, batch = model === 'dcgan' ? 64 : 8, steps = 3] = args.slice(0, 3).map(Number);
  const backend = args[3] || 'native';
  native.registerNativeBackend();
  await tf.setBackend(backend);
  // benchProposedStep runs one untimed step first; both count in the kernel totals below.
  const r = model === 'dcgan' ? await benchDcgan({ size, batch, steps, warmup: 1 }) : await benchProposedStep({ size, batch, steps });
  console.log(JSON.stringify(r));
  const rows = native.nativeKernelProfile();
  const total = rows.reduce((a, b) => a + b.ms, 0);
  console.log(`kernel total ${(total / (steps + 1)).toFixed(0)} ms/step (incl. warmup step)`);
  for (const r of rows.slice(0, 40)) console.log(`${r.kernel.padEnd(24)} ${r.native ? 'N' : 'w'} ${String(r.calls).padStart(6)} ${(r.ms / (steps + 1)).toFixed(1).padStart(9)} ms/step`);
})();
