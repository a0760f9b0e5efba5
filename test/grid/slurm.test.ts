/**
 * The grid on a real, one-node Slurm cluster (Debian's slurm-wlm and munge, started as root by
 * ./cluster.ts): the smoke grid end to end through `anime-gan grid submit`, and a task stopped by
 * the time-limit signal, requeued, and resumed from its checkpoint. SKIPPED where Slurm cannot
 * run (not root, packages missing). The tasks run the built command line (dist/), as on a cluster.
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../lib/cli/main';
import { readManifest, gridDir, runProgress } from '../../lib/grid/manifest';
import { readSlurmJobs, slurmJobState, slurmTaskStates } from '../../lib/grid/slurm';
import { readLog, readRunMeta } from '../../lib/train/runFolder';
import { projectRoot } from '../../lib/util/projectRoot';
import { startSlurmCluster, SlurmCluster } from './cluster';
import { tmpDir } from '../train/support';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  (process.stdout as { write: unknown }).write = (c: string | Uint8Array) => ((stdout += c.toString()), true);
  (process.stderr as { write: unknown }).write = (c: string | Uint8Array) => ((stderr += c.toString()), true);
  try {
    return { code: await main(['node', 'anime-gan', ...args]), stdout, stderr };
  } finally {
    (process.stdout as { write: unknown }).write = out;
    (process.stderr as { write: unknown }).write = err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs: number, onTimeout?: () => string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${onTimeout ? `\n${onTimeout()}` : ''}`);
    await sleep(1000);
  }
}

function logsOf(grid: string): string {
  const dir = path.join(grid, 'logs');
  if (!fs.existsSync(dir)) return '(no logs)';
  return fs.readdirSync(dir).map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, f), 'utf8').slice(-1500)}`).join('\n');
}

describe('grid on a one-node Slurm cluster', function () {
  this.timeout(15 * 60_000);
  let cluster: SlurmCluster | undefined;
  let skip: string | undefined;

  before(async function () {
    const main = path.join(projectRoot(), 'dist', 'lib', 'cli', 'commands', 'grid.js');
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: the tasks run the built command line (npm run build)`);
    const c = await startSlurmCluster();
    if (typeof c === 'string') skip = c;
    else cluster = c;
  });
  after(async () => {
    await cluster?.stop();
  });

  it('runs the smoke grid end to end: one array task per run, then Table 1 and the figures from the finished runs', async function () {
    if (skip) {
      console.log(`      SKIPPED: ${skip}`);
      this.skip();
    }
    const runs = tmpDir('grid-slurm');
    const t0 = Date.now();
    const r = await cli('grid', 'submit', '--preset', 'smoke', '--runs', runs, '--cpus-per-task', '1');
    expect(r.code, r.stderr).to.equal(0);
    const grid = gridDir({ preset: 'smoke', runsDir: runs });
    const m = readManifest(grid);
    const jobs = readSlurmJobs(grid)!;
    expect(jobs.arrayJobId).to.match(/^\d+$/);
    expect(fs.readFileSync(path.join(grid, 'train.sbatch'), 'utf8')).to.include(`--array=0-${m.runs.length - 1}`);

    // While it runs, status knows every task (queued or finished).
    const early = await cli('grid', 'status', '--grid', grid);
    expect(early.code, early.stderr).to.equal(0);
    expect(early.stdout).to.match(new RegExp(`${m.runs.length} runs: `));

    // One query per poll: the job can leave the queue between two.
    await until('the scoring job to finish', () => {
      const s = slurmJobState(jobs.scoreJobId);
      return !s || /COMPLETED/.test(s.state);
    }, 12 * 60_000, () => logsOf(grid));
    const seconds = (Date.now() - t0) / 1000;
    console.log(`      smoke grid (${m.runs.length} runs + scoring) on the local cluster: ${seconds.toFixed(0)} s`);

    for (const run of m.runs) {
      expect(runProgress(run).done, `${run.name}\n${logsOf(grid)}`).to.equal(true);
      expect(readLog(run.dir).map((x) => x.step)).to.deep.equal([1, 2, 3, 4]);
      // The task trained exactly the configuration the plan recorded.
      expect(readRunMeta(run.dir).config).to.deep.equal(run.config);
    }
    const md = path.join(grid, 'table1.md');
    expect(fs.existsSync(md), logsOf(grid)).to.equal(true);
    const table = fs.readFileSync(md, 'utf8');
    for (const model of ['dcgan', 'wgan', 'proposed']) expect(table).to.include(`| ${model} (ours) |`);
    expect(table).to.not.include('Missing runs');
    const json = JSON.parse(fs.readFileSync(path.join(grid, 'table1.json'), 'utf8'));
    expect(json.cells).to.have.length(3 * 2 * m.seeds.length);
    for (const c of json.cells) expect(Number.isFinite(c.fid), JSON.stringify(c)).to.equal(true);
    for (const f of ['figure3.png', 'figure4.png', 'figure5.png']) expect(fs.statSync(path.join(grid, f)).size).to.be.greaterThan(100);

    const done = await cli('grid', 'status', '--grid', grid);
    expect(done.stdout).to.include(`${m.runs.length} runs: ${m.runs.length} done`);
    expect(done.stdout).to.include('Table 1:');
  });

  it('a task signalled before its time limit checkpoints, requeues itself and resumes: each step logged once', async function () {
    if (skip) {
      console.log(`      SKIPPED: ${skip}`);
      this.skip();
    }
    const runs = tmpDir('grid-requeue');
    const steps = 150;
    // The scripts from --dry-run, one task submitted by hand (as a user may): the dcgan anime run.
    const r = await cli('grid', 'submit', '--dry-run', '--preset', 'smoke', '--runs', runs, '--seeds', '0', '--cpus-per-task', '1',
      '-p', `steps=${steps}`, '-p', 'checkpointEvery=10', '-p', 'sampleEvery=1000');
    expect(r.code, r.stderr).to.equal(0);
    const grid = gridDir({ preset: 'smoke', runsDir: runs });
    const run = readManifest(grid).runs.find((x) => x.model === 'dcgan' && x.dataset === 'anime')!;
    const sub = spawnSync('sbatch', ['--parsable', `--array=${run.index}`, path.join(grid, 'train.sbatch')], { encoding: 'utf8' });
    expect(sub.status, sub.stderr).to.equal(0);
    const job = sub.stdout.trim();
    const task = `${job}_${run.index}`;
    const state = () => slurmTaskStates(job).get(run.index);

    // Mid-run, past a checkpoint: send what Slurm sends before the time limit (USR1 to the batch shell).
    await until('the run to pass step 25', () => readLog(run.dir).length >= 25, 5 * 60_000, () => logsOf(grid));
    const signal = spawnSync('scancel', ['--batch', '--signal=USR1', task], { encoding: 'utf8' });
    expect(signal.status, signal.stderr).to.equal(0);
    await until('the task to be requeued', () => state()?.state === 'PENDING', 60_000, () => logsOf(grid));
    const resumedFrom = readRunMeta(run.dir).step;
    expect(resumedFrom).to.be.greaterThan(0).and.lessThan(steps);
    // Slurm holds a requeued batch job for about two minutes (its BeginTime); release it now.
    spawnSync('scontrol', ['update', `JobId=${task}`, 'StartTime=now']);
    await until('the requeued task to finish', () => { const st = state(); return !st || /COMPLETED/.test(st.state); }, 8 * 60_000, () => logsOf(grid));

    expect(runProgress(run).done, logsOf(grid)).to.equal(true);
    expect(readLog(run.dir).map((x) => x.step)).to.deep.equal(Array.from({ length: steps }, (_, i) => i + 1));
    const out = fs.readFileSync(path.join(grid, 'logs', `train-${job}_${run.index}.out`), 'utf8');
    expect(out).to.include('time limit near: checkpointing and requeueing');
    expect(out).to.match(/restart 0\)[^\n]*\n/);
    expect(out).to.match(new RegExp(`restart 1\\)[^\\n]*${run.name} --resume`));
    // The second start trained only what the checkpoint lacked.
    expect(out).to.include(`done: ${steps - resumedFrom} steps`);

    // collect scores what has finished and names the rest, in its output and under the table.
    const c = await cli('grid', 'collect', '--grid', grid);
    expect(c.code, c.stderr).to.equal(0);
    expect(c.stdout).to.include('1 of 5 runs finished');
    const others = readManifest(grid).runs.filter((x) => x !== run && x.name !== run.name).map((x) => x.name);
    expect(c.stdout).to.include(`missing (not finished): ${others.join(', ')}`);
    const table = fs.readFileSync(path.join(grid, 'table1.md'), 'utf8');
    expect(table).to.include(`**Missing runs.** 4 of 5 runs`);
    const cells = JSON.parse(fs.readFileSync(path.join(grid, 'table1.json'), 'utf8')).cells;
    expect(cells.map((x: { model: string; dataset: string }) => `${x.model}/${x.dataset}`)).to.deep.equal(['dcgan/anime']);
  });
});
