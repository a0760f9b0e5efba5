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

  // tslab's type checker watches the files it read; changes to them while a cell runs (a rebuilt
  // library, `cp -al node_modules`, a git checkout) threw "Unexpected pending rebuildTimer" and
  // killed the kernel mid-training. The launcher watches only the notebook's own folder.
  describe('the declarations the kernel read change while a cell runs', () => {
    async function run(env: Record<string, string>) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-gan-kernel-'));
      fs.symlinkSync(path.join(projectRoot(), 'node_modules'), path.join(dir, 'node_modules'));
      // Hard links need the file system of node_modules: the temporary folder if it is on it.
      const onNodeModules = fs.statSync(os.tmpdir()).dev === fs.statSync(path.join(projectRoot(), 'node_modules')).dev;
      const links = fs.mkdtempSync(path.join(onNodeModules ? os.tmpdir() : path.join(projectRoot(), 'runs'), 'anime-gan-links-'));
      const cell = (id: string, source: string) => ({ cell_type: 'code', id, metadata: {}, execution_count: null, outputs: [], source });
      // What `cp -al node_modules` does (a helper's worktree did it): hard links to every file.
      const change =
        `import { execFileSync } from 'child_process';\n` +
        `execFileSync('cp', ['-al', ${JSON.stringify(path.join(projectRoot(), 'node_modules'))}, ${JSON.stringify(path.join(links, 'node_modules'))}]);\n` +
        `await new Promise((r) => setTimeout(r, 2000));\n`;
      const nb = {
        cells: [
          cell('import', `import { resolveConfig } from 'anime-gan-workbook';\nconsole.log('before', resolveConfig('dcgan', 'smoke').batch);`),
          cell('change', change),
          cell('after', `const later = 1 + 1;\nconsole.log('after', later);`),
        ],
        metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
        nbformat: 4,
        nbformat_minor: 5,
      };
      const file = path.join(dir, '01_change.ipynb');
      fs.writeFileSync(file, JSON.stringify(nb));
      const r = await runNotebook(file, { preset: 'smoke', figuresDir: path.join(dir, 'figures'), cellTimeoutSec: 60, env });
      const text = r.ok
        ? (JSON.parse(fs.readFileSync(r.executedPath, 'utf8')).cells as { outputs: { text?: string[] | string }[] }[])
          .flatMap((c) => c.outputs.map((o) => [o.text ?? ''].flat().join('')))
          .join('')
        : '';
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(links, { recursive: true, force: true });
      return { r, text };
    }

    it("with tslab's own watching the kernel dies (the failure this guards against)", async function () {
      const { r } = await run({ ANIME_GAN_KERNEL_WATCH_ALL: '1' });
      if (r.ok) {
        // The crash needs tslab's rebuild timer still pending when the next cell compiles, which
        // depends on when the file events arrive: in a clone under /tmp on 2026-12-06 the kernel
        // survived every time, in /work every time. Nothing of ours is under test here.
        console.log("      SKIPPED: tslab's own watcher did not fire mid-cell on this machine (timing of file events); the launcher test below still runs");
        this.skip();
      }
      expect(formatFailure(r)).to.contain('rebuildTimer');
    });

    it('with the launcher the kernel lives on and the next cell runs', async () => {
      const { r, text } = await run({});
      if (!r.ok) expect.fail(formatFailure(r));
      expect(text).to.match(/before \d+/).and.to.contain('after 2');
    });
  });
});
