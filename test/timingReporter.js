// Mocha's spec reporter plus, at the end, the wall time of each test file (hooks included), the
// slowest first: CI has a time budget, and this says where it goes.
const Mocha = require('mocha');
const path = require('path');
const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_RUN_END } = Mocha.Runner.constants;

class TimingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const started = new Map();
    const totals = new Map();
    runner.on(EVENT_SUITE_BEGIN, (s) => {
      if (s.file && s.parent && s.parent.root) started.set(s, Date.now());
    });
    runner.on(EVENT_SUITE_END, (s) => {
      if (!started.has(s)) return;
      const f = path.relative(process.cwd(), s.file);
      totals.set(f, (totals.get(f) || 0) + Date.now() - started.get(s));
    });
    runner.once(EVENT_RUN_END, () => {
      const rows = [...totals].sort((a, b) => b[1] - a[1]);
      const all = rows.reduce((t, [, ms]) => t + ms, 0);
      console.log(`\n  time per test file (${(all / 60000).toFixed(1)} min in all):`);
      for (const [f, ms] of rows.filter(([, ms]) => ms >= 5000)) console.log(`  ${(ms / 1000).toFixed(0).padStart(6)} s  ${f}`);
    });
  }
}
module.exports = TimingReporter;
