import { expect } from 'chai';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { REPORT_FIGURES, writeReport } from '../../lib/notebook/report';
import { findJupyterPython, listNotebooks, NotebookResult, projectRoot, runNotebook } from '../../lib/notebook/runNotebooks';

/**
 * The notebooks as a user meets them: Jupyter Notebook (Debian's 6.4, what scripts/jupyter.sh
 * starts) with the project's tslab kernel, driven in Debian's Chromium by playwright-core.
 *
 * For each notebook (smoke preset): Run All, wait until every cell has replied, assert every reply
 * is "ok" and no error output; count the plots plotly drew and the images shown against the plot
 * and image outputs the kernel sent; rerun one plot cell (a rerun plot carries no plotly bundle:
 * the case that lost every plot on reopen), save, reload, and assert the plots draw again. Then
 * the executed copies `anime-gan paper` writes (01 and 06): they open trusted, their plots draw
 * and Table 1 shows; and one exported plot page draws from file:// with plotly.min.js beside it.
 *
 * Everything runs in a scratch folder under runs/ (node resolves the library from there); the
 * Jupyter data, runtime and config folders are temporary, so the user's own are not touched.
 * A failing step leaves a full-page screenshot in runs/browser-test-screenshots/.
 */
const CHROMIUM = process.env.ANIME_GAN_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const NOTEBOOK_TIMEOUT_MS = 10 * 60 * 1000;

/** Debian's python with Jupyter Notebook (the `notebook` module), or why not. */
function notebookServerPython(): { python: string | null; reason: string } {
  for (const py of [process.env.ANIME_GAN_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p))) {
    if (spawnSync(py, ['-c', 'import notebook, nbformat'], { stdio: 'ignore' }).status === 0) return { python: py, reason: '' };
  }
  return { python: null, reason: 'Jupyter Notebook (python3-notebook, Debian: jupyter-notebook) is not installed; run scripts/setup.sh' };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

/** Counts read from the page: what the kernel sent, and what the front end drew. */
interface PageCounts {
  plotOutputs: number;
  imageOutputs: number;
  markdownOutputs: number;
  plotsDrawn: number;
  imagesDrawn: number;
  errorOutputs: number;
  trusted: boolean;
}

declare const Jupyter: any; // eslint-disable-line @typescript-eslint/no-explicit-any

async function pageCounts(page: Page): Promise<PageCounts> {
  return page.evaluate(() => {
    const outputs: any[] = Jupyter.notebook // eslint-disable-line @typescript-eslint/no-explicit-any
      .get_cells()
      .filter((c: any) => c.cell_type === 'code') // eslint-disable-line @typescript-eslint/no-explicit-any
      .flatMap((c: any) => c.output_area.outputs); // eslint-disable-line @typescript-eslint/no-explicit-any
    const has = (mime: string) => outputs.filter((o) => o.data && o.data[mime] !== undefined).length;
    return {
      plotOutputs: has('application/vnd.plotly.v1+json'),
      imageOutputs: has('image/png'),
      markdownOutputs: has('text/markdown'),
      plotsDrawn: Array.from(document.querySelectorAll('.output_area .js-plotly-plot')).filter((el) => el.querySelector('.main-svg')).length,
      imagesDrawn: Array.from(document.querySelectorAll('.output_area .output_png img')).filter((el) => (el as HTMLImageElement).naturalWidth > 0).length,
      errorOutputs: document.querySelectorAll('.output_area .output_error').length,
      trusted: Jupyter.notebook.trusted === true,
    };
  });
}

/** Open a notebook page and wait until it is loaded and its kernel connected and idle. */
async function openNotebook(page: Page, url: string): Promise<void> {
  // Leaving a notebook page asks "leave this page?" when it has changes: not for this test.
  await page.evaluate(() => (window.onbeforeunload = null)).catch(() => undefined);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(
    () => typeof Jupyter !== 'undefined' && Jupyter.notebook && Jupyter.notebook._fully_loaded && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected(),
    undefined,
    { timeout: 120_000, polling: 250 },
  );
  await waitIdle(page, 120_000);
}

async function waitIdle(page: Page, timeout: number): Promise<void> {
  await page.waitForFunction(() => document.querySelector('#kernel_indicator_icon')?.classList.contains('kernel_idle_icon') === true, undefined, {
    timeout,
    polling: 250,
  });
}

/** Wait until the drawn plots and images reach what the kernel sent (plotly draws asynchronously). */
async function waitDrawn(page: Page, timeout = 30_000): Promise<PageCounts> {
  const start = Date.now();
  let c = await pageCounts(page);
  while ((c.plotsDrawn < c.plotOutputs || c.imagesDrawn < c.imageOutputs) && Date.now() - start < timeout) {
    await page.waitForTimeout(250);
    c = await pageCounts(page);
  }
  return c;
}

/** Make the page record every execute reply's status (Notebook 6's CodeCell._handle_execute_reply). */
async function recordReplies(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    w.__replies = [];
    const code = Jupyter.notebook.get_cells().find((c: any) => c.cell_type === 'code'); // eslint-disable-line @typescript-eslint/no-explicit-any
    const proto = Object.getPrototypeOf(code);
    if (!proto.__recording) {
      const orig = proto._handle_execute_reply;
      proto._handle_execute_reply = function (this: any, msg: any) { // eslint-disable-line @typescript-eslint/no-explicit-any
        w.__replies.push({ cell: Jupyter.notebook.find_cell_index(this), status: msg.content.status });
        return orig.call(this, msg);
      };
      proto.__recording = true;
    }
  });
}

/** Replies so far, and the text output of the first cell whose reply was not "ok". */
async function replies(page: Page): Promise<{ count: number; failed: { cell: number; status: string; source: string; output: string } | null }> {
  return page.evaluate(() => {
    const rs: { cell: number; status: string }[] = (window as any).__replies; // eslint-disable-line @typescript-eslint/no-explicit-any
    const bad = rs.find((r) => r.status !== 'ok');
    if (!bad) return { count: rs.length, failed: null };
    const cell = Jupyter.notebook.get_cell(bad.cell);
    const output = cell.output_area.outputs.map((o: any) => o.text ?? o.evalue ?? '').join(''); // eslint-disable-line @typescript-eslint/no-explicit-any
    return { count: rs.length, failed: { ...bad, source: cell.get_text(), output } };
  });
}

/** The number of code cells with code in them (what Run All executes). */
async function codeCellCount(page: Page): Promise<number> {
  return page.evaluate(() => Jupyter.notebook.get_cells().filter((c: any) => c.cell_type === 'code' && c.get_text().trim()).length); // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function waitReplies(page: Page, n: number, timeout: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    const r = await replies(page);
    if (r.failed) expect.fail(`cell ${r.failed.cell} replied "${r.failed.status}":\n${r.failed.source}\n--- output ---\n${r.failed.output}`);
    if (r.count >= n) return;
    if (Date.now() - start > timeout) expect.fail(`${r.count} of ${n} cells replied within ${timeout / 1000} s`);
    await page.waitForTimeout(500);
  }
}

/** Delete the page's session (its kernel ends), so the next notebook starts a fresh one. */
async function shutDownKernel(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => Jupyter.notebook.session.delete(() => resolve(), () => resolve())));
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('notebooks in a browser (Jupyter Notebook + Chromium, smoke preset)', function () {
  this.timeout(60 * 60 * 1000);
  const root = projectRoot();
  const work = path.join(root, 'runs', `browser-test-${process.pid}`);
  const shots = path.join(root, 'runs', 'browser-test-screenshots');
  const jupyterDirs = { JUPYTER_DATA_DIR: path.join(work, 'jupyter', 'data'), JUPYTER_RUNTIME_DIR: path.join(work, 'jupyter', 'runtime'), JUPYTER_CONFIG_DIR: path.join(work, 'jupyter', 'config') };
  const notebooks = listNotebooks(path.join(root, 'notebooks'));
  let server: ChildProcess | null = null;
  let serverLog = '';
  let browser: Browser | null = null;
  let page: Page;
  let base = '';

  before(async function () {
    const missing: string[] = [];
    if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} not found (Debian: apt-get install chromium, in scripts/setup.sh)`);
    const { python, reason } = notebookServerPython();
    if (!python) missing.push(reason);
    let playwright: typeof import('playwright-core') | null = null;
    try {
      playwright = await import('playwright-core');
    } catch {
      missing.push('playwright-core is not installed (npm ci)');
    }
    if (!fs.existsSync(path.join(root, 'dist', 'lib', 'index.js'))) missing.push('the library is not built (npm run build)');
    if (missing.length || !python || !playwright) {
      console.log(`      SKIPPED: ${missing.join('; ')}`);
      this.skip();
    }
    fs.mkdirSync(path.join(work, 'notebooks'), { recursive: true });
    for (const d of Object.values(jupyterDirs)) fs.mkdirSync(d, { recursive: true });
    for (const nb of notebooks) fs.copyFileSync(nb, path.join(work, 'notebooks', path.basename(nb)));

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const args = ['-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--notebook-dir=${work}`,
      '--NotebookApp.token=', '--NotebookApp.password='];
    if (process.getuid?.() === 0) args.push('--allow-root');
    server = spawn(python, args, {
      cwd: work,
      env: {
        ...process.env,
        ...jupyterDirs,
        JUPYTER_PATH: root,
        ANIME_GAN_PRESET: 'smoke',
        ANIME_GAN_FIGURES: path.join(work, 'figures'),
        ANIME_GAN_PROGRESS: '0',
        // The embedded data: this test is about what the browser draws, not about real images
        // (notebooks.test.ts runs them on DATA_ROOT when it is set).
        DATA_ROOT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d: Buffer) => (serverLog = (serverLog + d.toString()).slice(-20000)));
    server.stderr!.on('data', (d: Buffer) => (serverLog = (serverLog + d.toString()).slice(-20000)));
    const start = Date.now();
    while ((await httpStatus(`${base}/api/status`)) !== 200) {
      if (server.exitCode !== null || Date.now() - start > 60_000) throw new Error(`Jupyter Notebook did not start on ${base}:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    browser = await playwright!.chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.accept().catch(() => undefined));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      fs.mkdirSync(shots, { recursive: true });
      const file = path.join(shots, `${this.currentTest.title.replace(/[^\w.-]+/g, '_').slice(0, 80)}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      console.log(`      screenshot: ${file}\n      Jupyter log (tail):\n${serverLog.split('\n').slice(-15).join('\n')}`);
    }
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  for (const file of notebooks) {
    const name = path.basename(file);
    const source = fs.readFileSync(file, 'utf8');
    it(`${name}: Run All without an error, every plot and image drawn; a rerun plot cell, save and reload: still drawn`, async () => {
      const t0 = Date.now();
      await openNotebook(page, `${base}/notebooks/notebooks/${name}`);
      await recordReplies(page);
      const cells = await codeCellCount(page);
      await page.evaluate(() => Jupyter.notebook.execute_all_cells());
      await waitReplies(page, cells, NOTEBOOK_TIMEOUT_MS);
      await waitIdle(page, 60_000);
      const ran = await waitDrawn(page);
      expect(ran.errorOutputs, 'error outputs').to.equal(0);
      // At least one plot per linePlot( call in the source (a call in a loop draws more).
      expect(ran.plotOutputs, 'plots the kernel sent').to.be.at.least(occurrences(source, 'linePlot('));
      expect(ran.imageOutputs, 'images the kernel sent').to.be.at.least(occurrences(source, 'showPng(') > 0 ? 1 : 0);
      expect(ran.plotsDrawn, 'plots drawn').to.equal(ran.plotOutputs);
      expect(ran.imagesDrawn, 'images drawn').to.equal(ran.imageOutputs);

      // Rerun the first plot cell: its new output has no plotly bundle of its own.
      const plotCell = await page.evaluate(() =>
        Jupyter.notebook.get_cells().findIndex((c: any) => c.cell_type === 'code' && c.output_area.outputs.some((o: any) => o.data && o.data['application/vnd.plotly.v1+json'])), // eslint-disable-line @typescript-eslint/no-explicit-any
      );
      if (plotCell >= 0) {
        await page.evaluate((i) => {
          (window as any).__replies = []; // eslint-disable-line @typescript-eslint/no-explicit-any
          Jupyter.notebook.get_cell(i).execute();
        }, plotCell);
        await waitReplies(page, 1, NOTEBOOK_TIMEOUT_MS);
        await waitIdle(page, 60_000);
      }
      const before = await waitDrawn(page);
      expect(before.plotsDrawn, 'plots drawn after rerunning a plot cell').to.equal(before.plotOutputs);

      await page.evaluate(async () => {
        await Jupyter.notebook.save_notebook();
      });
      const saved = JSON.parse(fs.readFileSync(path.join(work, 'notebooks', name), 'utf8'));
      expect(saved.metadata.kernelspec.display_name, 'kernel display name kept on save').to.equal('TypeScript (anime-gan-workbook)');

      await openNotebook(page, `${base}/notebooks/notebooks/${name}`);
      const reopened = await waitDrawn(page);
      expect(reopened.trusted, 'the saved notebook reopens trusted').to.equal(true);
      expect(reopened.plotOutputs, 'plot outputs after reopening').to.equal(before.plotOutputs);
      expect(reopened.plotsDrawn, 'plots drawn after save and reopen').to.equal(reopened.plotOutputs);
      expect(reopened.imagesDrawn, 'images drawn after save and reopen').to.equal(reopened.imageOutputs);
      // Shut the kernel down: the next notebook starts its own.
      await shutDownKernel(page);
      console.log(`      ${name}: ${ran.plotsDrawn} plots, ${ran.imagesDrawn} images; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    });
  }

  describe('the executed copies anime-gan paper writes, and its report', () => {
    const executed = path.join(work, 'notebooks', 'executed');
    const executedResults: NotebookResult[] = [];
    for (const num of ['01', '06']) {
      it(`${num}: opens trusted, every plot drawn${num === '06' ? ', Table 1 shown' : ''}`, async function () {
        const { python, reason } = findJupyterPython();
        if (!python) {
          console.log(`      SKIPPED: ${reason}`);
          this.skip();
        }
        const file = notebooks.find((f) => path.basename(f).startsWith(`${num}_`))!;
        // The same runner as `anime-gan paper`, signing with the Jupyter data folder this server uses.
        const r = await runNotebook(file, {
          preset: 'smoke',
          executedDir: executed,
          figuresDir: path.join(work, 'figures'),
          cellTimeoutSec: 600,
          dataRoot: '', // the embedded data, as the notebooks above
          env: { ...jupyterDirs },
        });
        expect(r.ok, r.error ? `${r.error.stderr}` : '').to.equal(true);
        expect(r.signed, 'the executed copy was signed').to.equal(true);
        executedResults.push(r);
        await openNotebook(page, `${base}/notebooks/notebooks/executed/${path.basename(file)}`);
        const c = await waitDrawn(page);
        expect(c.trusted, 'the executed copy opens trusted').to.equal(true);
        expect(c.plotOutputs).to.be.above(0);
        expect(c.plotsDrawn, 'plots drawn in the executed copy').to.equal(c.plotOutputs);
        expect(c.imagesDrawn).to.equal(c.imageOutputs);
        if (num === '06') {
          const table = await page.evaluate(
            () => Array.from(document.querySelectorAll('.output_area .rendered_html table')).filter((t) => /IS CelebA/.test(t.textContent ?? '')).length,
          );
          expect(table, 'Table 1 rendered as a table').to.be.at.least(1);
        }
        await shutDownKernel(page);
      });
    }

    it('the report opens from file://: the index shows the figures and Table 1, each page draws its plots', async function () {
      if (executedResults.length === 0) this.skip();
      const figures = path.join(work, 'figures');
      const index = writeReport({
        results: executedResults, outDir: path.join(work, 'report'), figuresDir: figures, preset: 'smoke', parameters: {},
        backend: 'the kernels\' (not recorded by this test)', startedAt: new Date(), seconds: 0, projectRoot: root,
      });
      await page.goto(`file://${index}`);
      const shown = await page.evaluate(() => ({
        images: Array.from(document.images).map((i) => ({ src: i.getAttribute('src'), ok: i.naturalWidth > 0 })),
        table1: Array.from(document.querySelectorAll('table')).some((t) => /IS CelebA/.test(t.textContent ?? '')),
        links: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href')),
      }));
      const expected = REPORT_FIGURES.filter((f) => fs.existsSync(path.join(figures, f.file))).length;
      expect(expected, 'figures the browser run wrote').to.be.at.least(5);
      expect(shown.images.filter((i) => i.ok).length, JSON.stringify(shown.images)).to.equal(expected);
      expect(shown.table1, 'Table 1 in the index').to.equal(true);
      for (const r of executedResults) {
        const pageFile = `${path.basename(r.name, '.ipynb')}.html`;
        expect(shown.links).to.include(pageFile);
        await page.goto(`file://${path.join(work, 'report', pageFile)}`);
        const start = Date.now();
        let drawn = { plots: 0, drawn: 0 };
        do {
          await page.waitForTimeout(250);
          drawn = await page.evaluate(() => ({
            plots: document.querySelectorAll('.anime-gan-plot').length,
            drawn: document.querySelectorAll('.anime-gan-plot.js-plotly-plot .main-svg').length > 0
              ? Array.from(document.querySelectorAll('.anime-gan-plot')).filter((el) => el.querySelector('.main-svg')).length
              : 0,
          }));
        } while (drawn.drawn < drawn.plots && Date.now() - start < 30_000);
        expect(drawn.plots, `${pageFile}: plots`).to.be.above(0);
        expect(drawn.drawn, `${pageFile}: plots drawn from file://`).to.equal(drawn.plots);
      }
    });

    it('an exported plot opens from file:// with the one plotly.min.js beside it', async function () {
      const figures = path.join(work, 'figures');
      const html = fs.existsSync(figures) ? fs.readdirSync(figures).filter((f) => f.endsWith('.html')) : [];
      if (html.length === 0) this.skip();
      expect(fs.readdirSync(figures).filter((f) => f.endsWith('.js'))).to.deep.equal(['plotly.min.js']);
      await page.goto(`file://${path.join(figures, html[0])}`);
      await page.waitForSelector('.js-plotly-plot .main-svg', { timeout: 30_000 });
    });
  });
});
