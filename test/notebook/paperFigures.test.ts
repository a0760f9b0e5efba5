import { expect } from 'chai';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultFiguresDir, findJupyterPython, projectRoot } from '../../lib/notebook/runNotebooks';
import { notebookEnv } from '../../lib/notebook/env';

/** `anime-gan paper` as a user runs it: the built entry point in a child process. */
function paper(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  const cli = path.join(projectRoot(), 'dist', 'lib', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'paper', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/** Modification times of the committed figures, to show a run did not touch them. */
function committedFigures(): Record<string, number> {
  const dir = path.join(projectRoot(), 'figures');
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]));
}

describe('anime-gan paper: figures go where asked, never over the committed ones; a failure exits 1', function () {
  this.timeout(10 * 60 * 1000);

  it('the smoke preset defaults its figures to runs/figures-smoke, workstation on real data to its own folder', () => {
    expect(defaultFiguresDir('smoke')).to.equal(path.join(projectRoot(), 'runs', 'figures-smoke'));
    expect(defaultFiguresDir('quick', undefined)).to.equal(path.join(projectRoot(), 'figures'));
    expect(defaultFiguresDir('workstation', '/data')).to.equal(path.join(projectRoot(), 'figures', 'real-workstation'));
    // On the embedded data (no DATA_ROOT) it writes nowhere the README reads.
    const prev = process.env.DATA_ROOT;
    try {
      delete process.env.DATA_ROOT;
      expect(defaultFiguresDir('workstation')).to.equal(path.join(projectRoot(), 'runs', 'figures-workstation'));
    } finally {
      if (prev !== undefined) process.env.DATA_ROOT = prev;
    }
  });

  it("notebooks' env.pick gives the workstation preset quick's value unless it has its own", () => {
    const prev = process.env.ANIME_GAN_PRESET;
    try {
      process.env.ANIME_GAN_PRESET = 'workstation';
      const env = notebookEnv();
      expect(env.pick({ smoke: 1, quick: 2, paper: 3 })).to.equal(2);
      expect(env.pick({ smoke: 1, quick: 2, paper: 3, workstation: 4 })).to.equal(4);
    } finally {
      if (prev === undefined) delete process.env.ANIME_GAN_PRESET;
      else process.env.ANIME_GAN_PRESET = prev;
    }
  });

  describe('through the tslab kernel', () => {
    before(function () {
      const { python, reason } = findJupyterPython();
      const built = fs.existsSync(path.join(projectRoot(), 'dist', 'lib', 'cli', 'main.js'));
      if (!python || !built) {
        console.log(`      SKIPPED: ${python ? 'the library is not built (dist/ missing)' : reason}`);
        this.skip();
      }
    });

    it('honours ANIME_GAN_FIGURES and leaves figures/ untouched', async () => {
      const figures = fs.mkdtempSync(path.join(os.tmpdir(), 'agw-figs-'));
      const before = committedFigures();
      const r = await paper(['--preset', 'smoke', '--only', '01'], { ANIME_GAN_FIGURES: figures });
      expect(r.code, r.stderr).to.equal(0);
      expect(fs.readdirSync(figures).filter((f) => f.startsWith('01_')).length, r.stderr).to.be.above(0);
      expect(committedFigures()).to.deep.equal(before);
    });

    it('-p injects a cell after the parameters cell of the executed copy, records it, and writes the HTML report', async () => {
      const figures = fs.mkdtempSync(path.join(os.tmpdir(), 'agw-figs-'));
      const report = fs.mkdtempSync(path.join(os.tmpdir(), 'agw-report-'));
      const r = await paper(['--preset', 'smoke', '--only', '01', '--figures', figures, '--report', report, '-p', 'SEED=3', '-p', 'ngf=8']);
      expect(r.code, r.stderr).to.equal(0);
      const executed = path.join(projectRoot(), 'notebooks', 'executed', '01_gan_objective_and_js_divergence.ipynb');
      const nb = JSON.parse(fs.readFileSync(executed, 'utf8'));
      const tags = (c: { metadata?: { tags?: string[] } }) => c.metadata?.tags ?? [];
      const at = nb.cells.findIndex((c: { metadata?: { tags?: string[] } }) => tags(c).includes('parameters'));
      const injected = nb.cells[at + 1];
      expect(tags(injected)).to.deep.equal(['injected-parameters']);
      const source = ([] as string[]).concat(injected.source).join('');
      expect(source).to.include('const SEED = 3;');
      expect(source).to.include('// not settings of this notebook: ngf');
      expect(injected.outputs.some((o: { name?: string }) => o.name === 'stderr'), 'the injected cell ran cleanly').to.equal(false);
      expect(nb.metadata.anime_gan.parameters).to.deep.equal({ SEED: 3, ngf: 8 });
      // The report: the notebook as HTML without its own plotly copy, one plotly.min.js, an index.
      const page = fs.readFileSync(path.join(report, '01_gan_objective_and_js_divergence.html'), 'utf8');
      expect(page).to.include('src="plotly.min.js"');
      expect(page.length, 'no inlined plotly bundle').to.be.below(2_000_000);
      expect(fs.statSync(path.join(report, 'plotly.min.js')).size).to.be.above(1_000_000);
      const index = fs.readFileSync(path.join(report, 'index.html'), 'utf8');
      expect(index).to.include('href="01_gan_objective_and_js_divergence.html"');
      expect(index).to.match(/SEED/);
      // Figure 1 comes from notebook 05, which did not run: the index shows no broken image.
      expect(index).to.not.include('figures/figure1.png');
    });

    it('an unknown parameter or a bad value ends with one line before any notebook runs', async () => {
      const a = await paper(['--preset', 'smoke', '-p', 'nosuch=1']);
      expect(a.code).to.not.equal(0);
      expect(a.stderr).to.match(/-p nosuch: not a setting of these notebooks/);
      expect(a.stderr).to.not.match(/\[1\/6\]/);
      const b = await paper(['--preset', 'smoke', '-p', 'ngf=wide']);
      expect(b.code).to.not.equal(0);
      expect(b.stderr).to.match(/-p ngf takes a number/);
    });

    it('a notebook that fails (a read-only figures folder) makes the command exit 1', async function () {
      if (process.getuid?.() !== 0) {
        console.log('      SKIPPED: a read-only mount needs root (root ignores file permissions otherwise)');
        this.skip();
      }
      const ro = fs.mkdtempSync(path.join(os.tmpdir(), 'agw-ro-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]);
      try {
        const r = await paper(['--preset', 'smoke', '--only', '01', '--figures', ro]);
        expect(r.stderr).to.match(/FAILED 01_/);
        expect(r.stderr).to.match(/EROFS|read-only/);
        expect(r.code, r.stderr).to.equal(1);
      } finally {
        execFileSync('umount', [ro]);
        fs.rmdirSync(ro);
      }
    });
  });
});
