import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findJupyterPython, formatFailure, projectRoot, runNotebook } from '../../lib/notebook/runNotebooks';

/**
 * The project's kernel launcher (kernels/tslab/launch.js) queues tslab's zeromq sends. Without
 * that, the 514th message sent in one tick throws EBUSY ("Socket is busy writing") and the cell
 * fails or the kernel dies; notebooks with progress bars reach that count.
 */
describe('tslab kernel launcher (kernels/tslab)', function () {
  this.timeout(120_000);
  const { python, reason } = findJupyterPython();

  before(function () {
    if (!python) {
      console.warn(`    skipping the kernel test: ${reason}`);
      this.skip();
    }
  });

  it('delivers 3000 outputs sent in one tick, in order, without EBUSY', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-gan-kernel-'));
    const tslabPath = path.join(projectRoot(), 'node_modules', 'tslab');
    const source =
      `const tslab = require(${JSON.stringify(tslabPath)});\n` +
      `for (let i = 0; i < 3000; i++) tslab.display.text(String(i));\n`;
    const nb = {
      cells: [{ cell_type: 'code', id: 'burst', metadata: {}, execution_count: null, outputs: [], source }],
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const file = path.join(dir, '01_burst.ipynb');
    fs.writeFileSync(file, JSON.stringify(nb));
    const r = await runNotebook(file, { preset: 'smoke', figuresDir: path.join(dir, 'figures'), cellTimeoutSec: 60 });
    if (!r.ok) expect.fail(formatFailure(r));
    const outputs = JSON.parse(fs.readFileSync(r.executedPath, 'utf8')).cells[0].outputs as { data: Record<string, string> }[];
    expect(outputs).to.have.length(3000);
    expect(outputs.map((o) => Number(o.data['text/plain']))).to.deep.equal(Array.from({ length: 3000 }, (_, i) => i));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
