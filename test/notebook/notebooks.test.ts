import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findJupyterPython, formatFailure, listNotebooks, projectRoot, runNotebook } from '../../lib/notebook/runNotebooks';

/**
 * Executes every notebooks/NN_*.ipynb in smoke mode through the real tslab kernel (Jupyter's
 * nbclient with kernels/tslab) and fails on any cell error, showing the cell and its message.
 * Needs the built library (`npm test` builds first). Figures and executed copies go to a
 * temporary folder so a test run does not overwrite those of a real run.
 */
describe('notebooks (smoke preset, tslab kernel)', function () {
  this.timeout(15 * 60 * 1000);
  const root = projectRoot();
  const notebooks = listNotebooks(path.join(root, 'notebooks'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-gan-nbtest-'));
  const { python, reason } = findJupyterPython();

  before(function () {
    if (!python) {
      console.warn(`    skipping the notebooks: ${reason}`);
      this.skip();
    }
  });

  it('finds the notebooks', () => {
    expect(notebooks.length).to.be.greaterThan(0);
  });

  for (const file of notebooks) {
    it(`runs ${path.basename(file)} without a cell error`, async () => {
      const r = await runNotebook(file, {
        preset: 'smoke',
        figuresDir: path.join(out, 'figures'),
        executedDir: path.join(out, 'executed'),
        cellTimeoutSec: 600,
      });
      if (!r.ok) expect.fail(formatFailure(r));
      const nb = JSON.parse(fs.readFileSync(r.executedPath, 'utf8'));
      const errors = nb.cells.flatMap((c: { outputs?: { output_type: string }[] }) => (c.outputs ?? []).filter((o) => o.output_type === 'error'));
      expect(errors, 'error outputs in the executed notebook').to.have.length(0);
      console.log(`      ${path.basename(file)}: ${r.seconds.toFixed(1)} s`);
    });
  }
});
