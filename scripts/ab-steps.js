#!/usr/bin/env node
// Compare two versions of a training recipe in one process, a step of each in turn (this
// machine's speed drifts over minutes, which A/B runs in separate processes mostly measure;
// see native/README.md, "How to compare two versions here"). Needs `npm run build`.
// Usage: node scripts/ab-steps.js A.js B.js [quick|64] [steps=30]
//   A.js, B.js: compiled recipe modules exporting `proposed` (e.g. dist/lib/train/recipes/proposed.js
//   and a copy of it from another commit placed beside it, so both load the same tfjs).
const path = require('path');
const tf = require('@tensorflow/tfjs');
const native = require('../dist/lib/backend/native');
const { proposedBenchConfig } = require('../dist/lib/bench/model');
(async () => {
  const [fa, fb, which = 'quick', n = '30'] = process.argv.slice(2);
  if (!fa || !fb || !['quick', '64'].includes(which) || !(Number(n) > 0)) {
    console.error('usage: node scripts/ab-steps.js A.js B.js [quick|64] [steps]');
    process.exit(2);
  }
  native.registerNativeBackend();
  await tf.setBackend('native');
  const config = proposedBenchConfig(which === 'quick' ? { preset: 'quick' } : {});
  const versions = [fa, fb].map((f) => ({ name: f, model: require(path.resolve(f)).proposed.create(config), ms: [] }));
  const [s] = config.size, B = config.batch;
  const a = tf.randomUniform([B, s, s, 3], -1, 1, 'float32', 1), b = tf.randomUniform([B, s, s, 3], -1, 1, 'float32', 2);
  const data = { nextA: () => tf.clone(a), nextB: () => tf.clone(b) };
  // Warm up (the quick step keeps speeding up for about 40 steps).
  for (const v of versions) for (let i = 0; i < (which === 'quick' ? 40 : 3); i++) v.model.trainStep(data, i);
  for (let i = 0; i < Number(n); i++) {
    for (const v of versions) {
      const t0 = process.hrtime.bigint();
      v.model.trainStep(data, i);
      v.ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    process.stderr.write(`\rstep ${i + 1} of ${n}`);
  }
  process.stderr.write('\n');
  for (const v of versions) {
    const m = [...v.ms].sort((x, y) => x - y);
    console.log(`${v.name}: median ${m[m.length >> 1].toFixed(0)} ms, min ${m[0].toFixed(0)}, mean ${(m.reduce((x, y) => x + y) / m.length).toFixed(0)}`);
  }
})();
