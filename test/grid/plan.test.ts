/**
 * The grid without Slurm: the plan and its manifest, the generated batch scripts, and the
 * scripts' resume and time-limit logic run by bash with stand-ins for anime-gan and scontrol.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { planGrid, readManifest, writeManifest, gridDir, runProgress, formatPlan } from '../../lib/grid/manifest';
import { scoreScript, shellQuote, trainScript, writeSlurmScripts } from '../../lib/grid/slurm';
import { gridStatus } from '../../lib/grid/status';
import { experimentConfig, experimentDir } from '../../lib/paper/experiments';
import { parseParams } from '../../lib/cli/params';
import { resolveConfig } from '../../lib/presets';
import { main } from '../../lib/cli/main';
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

describe('grid: plan and manifest', function () {
  it('lists each run of Table 1 once: DCGAN and WGAN per data set, the cycle model once, per seed', function () {
    const runs = tmpDir('grid-plan');
    const m = planGrid({ preset: 'smoke', runsDir: runs });
    expect(m.seeds).to.deep.equal(resolveConfig('dcgan', 'smoke').tableSeeds);
    expect(m.runs.map((r) => `${r.model}/${r.dataset}/${r.seed}`)).to.deep.equal([
      'dcgan/celeba/0', 'dcgan/anime/0', 'dcgan/celeba/1', 'dcgan/anime/1',
      'wgan/celeba/0', 'wgan/anime/0', 'wgan/celeba/1', 'wgan/anime/1',
      'proposed/celeba2anime/0', 'proposed/celeba2anime/1',
    ]);
    expect(m.runs.map((r) => r.index)).to.deep.equal([...Array(10).keys()]);
    // The same folders and settings the notebooks use, so either can reuse the other's runs.
    const exp = { preset: 'smoke', runsDir: runs };
    for (const r of m.runs) {
      expect(r.dir).to.equal(experimentDir(exp, r.model, r.dataset, r.seed));
      expect(r.config).to.deep.equal(experimentConfig(exp, r.model, r.seed));
    }
    expect(m.runs[1].train).to.deep.equal(['train', 'dcgan', '--preset', 'smoke', '--seed', '0', '--domain', 'anime']);
    expect(m.runs[8].train).to.deep.equal(['train', 'proposed', '--preset', 'smoke', '--seed', '0']);
  });

  it('passes -p settings, real data folders (holding out their scoring part), --epochs and --limit to every run', function () {
    const m = planGrid({ preset: 'paper', runsDir: tmpDir('grid-plan'), dataRoot: '/data', params: ['checkpointEvery=50', 'size=64'], epochs: 200, limit: 1000, seeds: [3] });
    expect(m.runs).to.have.length(5);
    expect(m.overrides).to.deep.equal({ checkpointEvery: 50, size: [64, 64] });
    expect(m.runs[0].config.size).to.deep.equal([64, 64]);
    expect(m.runs[0].dir).to.match(/paper\/dcgan-celeba-real-s3$/);
    expect(m.runs[0].train).to.deep.equal([
      'train', 'dcgan', '--preset', 'paper', '--seed', '3', '--data', '/data/celeba-89x109/images',
      '-p', 'checkpointEvery=50', '-p', 'size=64', '--epochs', '200', '--limit', '1000', '--hold-out',
    ]);
    expect(m.runs[4].train.slice(0, 10)).to.deep.equal([
      'train', 'proposed', '--preset', 'paper', '--seed', '3', '--data', '/data/celeba-89x109/images', '--data-b', '/data/anime-faces-96/images',
    ]);
    expect(formatPlan(m)).to.include('200 epochs').and.include('proposed-celeba2anime-real-s3');
  });

  it('rejects a plan that cannot run: no step count, an unknown setting, a seed set by -p', function () {
    // The paper preset gives its length in epochs (200); a step count of 0 elsewhere is refused.
    expect(planGrid({ preset: 'paper', runsDir: tmpDir('g') }).runs.length).to.be.above(0);
    expect(() => planGrid({ preset: 'smoke', runsDir: tmpDir('g'), params: ['steps=0'] })).to.throw(/steps/);
    expect(() => planGrid({ preset: 'smoke', runsDir: tmpDir('g'), params: ['nope=1'] })).to.throw(/-p nope: no such setting/);
    expect(() => planGrid({ preset: 'smoke', runsDir: tmpDir('g'), params: ['seed=1'] })).to.throw(/--seeds/);
    expect(() => planGrid({ preset: 'smoke', runsDir: tmpDir('g'), params: ['batch=two'] })).to.throw(/-p batch takes a number/);
    expect(() => parseParams(['optimizerG=adam'], resolveConfig('dcgan', 'smoke'))).to.throw(/set its fields \(-p optimizerG.lr/);
  });

  it('writes and reads the manifest; a missing or foreign one is one clear error', function () {
    const runs = tmpDir('grid-manifest');
    const m = planGrid({ preset: 'smoke', runsDir: runs, seeds: [0] });
    const dir = gridDir({ preset: 'smoke', runsDir: runs });
    expect(dir).to.equal(path.join(runs, 'smoke', 'grid-embedded'));
    writeManifest(m, dir);
    expect(readManifest(dir)).to.deep.equal(JSON.parse(JSON.stringify(m)));
    expect(() => readManifest(tmpDir('empty'))).to.throw(/no grid in/);
    const bad = tmpDir('bad');
    fs.writeFileSync(path.join(bad, 'manifest.json'), '{"kind":"other"}');
    expect(() => readManifest(bad)).to.throw(/not an anime-gan grid manifest/);
  });

  it('`grid plan` prints the runs and writes the manifest; status reads the run folders', async function () {
    const runs = tmpDir('grid-cli');
    const r = await cli('grid', 'plan', '--preset', 'smoke', '--runs', runs, '--seeds', '0', '-p', 'checkpointEvery=1');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n').filter((l) => /^\d+ /.test(l))).to.have.length(5);
    const m = readManifest(path.join(runs, 'smoke', 'grid-embedded'));
    expect(m.runs[0].train).to.include('checkpointEvery=1');
    const s = await cli('grid', 'status', '--preset', 'smoke', '--runs', runs);
    expect(s.code, s.stderr).to.equal(0);
    expect(s.stdout).to.include('5 runs: 5 not submitted');
    const bad = await cli('grid', 'plan', '--preset', 'smoke', '--runs', runs, '--seeds', 'a,b');
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.match(/--seeds takes whole numbers/);
  });

  it('status: a queued task is pending or running; out of the queue its folder decides', function () {
    const m = planGrid({ preset: 'smoke', runsDir: tmpDir('grid-status'), seeds: [0] });
    const tasks = new Map([
      [0, { state: 'PENDING', detail: 'Resources', source: 'squeue' as const }],
      [1, { state: 'RUNNING', source: 'squeue' as const }],
      [2, { state: 'TIMEOUT', detail: '0:0', source: 'sacct' as const }],
    ]);
    expect(gridStatus(m, tasks, true).map((s) => s.state)).to.deep.equal(['pending', 'running', 'failed', 'stopped', 'stopped']);
    expect(runProgress(m.runs[0])).to.deep.equal({ checkpointStep: 0, loggedStep: 0, steps: 4, done: false });
  });
});

describe('grid: Slurm scripts', function () {
  const m = planGrid({ preset: 'smoke', runsDir: '/shared/runs', seeds: [0], params: ['checkpointEvery=1'] });
  const grid = '/shared/runs/smoke/grid-embedded';

  it('the array script: one task per run, requeue, the signal before the time limit, resources as sbatch lines', function () {
    const s = trainScript(m, grid, {
      cpusPerTask: 4, mem: '16G', gres: 'gpu:1', time: '24:00:00', partition: 'gpu', account: 'lab',
      sbatch: ['--qos=long'], maxRunning: 3, signalSeconds: 300, command: ['anime-gan'], backend: 'tfjs-node-gpu',
    });
    const sbatch = s.split('\n').filter((l) => l.startsWith('#SBATCH'));
    expect(sbatch).to.include.members([
      '#SBATCH --array=0-4%3', '#SBATCH --requeue', '#SBATCH --signal=B:USR1@300', '#SBATCH --open-mode=append',
      '#SBATCH --cpus-per-task=4', '#SBATCH --mem=16G', '#SBATCH --gres=gpu:1', '#SBATCH --time=24:00:00',
      '#SBATCH --partition=gpu', '#SBATCH --account=lab', '#SBATCH --qos=long',
      `#SBATCH --output=${grid}/logs/train-%A_%a.out`,
    ]);
    // Every #SBATCH line comes before the first command, or sbatch ignores it.
    const lines = s.split('\n');
    const firstCommand = lines.findIndex((l) => l.trim() && !l.startsWith('#'));
    const lastSbatch = lines.map((l, i) => (l.startsWith('#SBATCH') ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
    expect(lastSbatch).to.be.lessThan(firstCommand);
    expect(s).to.include('export ANIME_GAN_BACKEND=tfjs-node-gpu');
    for (const r of m.runs) expect(s).to.include(`${r.index}) RUN=${r.dir}`);
    expect(s).to.include('scontrol requeue "$SLURM_JOB_ID"');
    expect(spawnSync('bash', ['-n'], { input: s }).status, 'bash -n').to.equal(0);
  });

  it('the scoring script runs `grid collect` on the grid folder', function () {
    const s = scoreScript(m, grid, { command: ['anime-gan'], gres: 'gpu:1' });
    expect(s).to.include(`grid collect --grid ${grid}`).and.include('#SBATCH --gres=gpu:1');
    expect(s).to.not.include('--array');
    expect(spawnSync('bash', ['-n'], { input: s }).status).to.equal(0);
  });

  it('rejects a free-form sbatch flag that is not one flag', function () {
    expect(() => trainScript(m, grid, { sbatch: ['--qos long'] })).to.throw(/one sbatch flag per use/);
    expect(() => trainScript(m, grid, { sbatch: ['qos=long'] })).to.throw(/one sbatch flag per use/);
  });

  it('quotes paths and arguments for bash', function () {
    expect(shellQuote('/a/b-c_d.e')).to.equal('/a/b-c_d.e');
    expect(shellQuote("it's here")).to.equal(`'it'\\''s here'`);
    const out = spawnSync('bash', ['-c', `printf '%s|' ${shellQuote("a b'c")} ${shellQuote('$HOME')}`], { encoding: 'utf8' }).stdout;
    expect(out).to.equal("a b'c|$HOME|");
  });

  /** Run the array script as Slurm would, with stand-ins for anime-gan and scontrol. */
  function fakeNode() {
    const dir = tmpDir('grid-script');
    const runs = path.join(dir, 'runs');
    const plan = planGrid({ preset: 'smoke', runsDir: runs, seeds: [0] });
    const gridFolder = gridDir({ preset: 'smoke', runsDir: runs });
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // anime-gan: record the arguments, then "train" until SIGTERM, which it records.
    fs.writeFileSync(path.join(bin, 'fake-anime-gan'), [
      '#!/bin/bash',
      `echo "$*" >> ${dir}/calls`,
      `trap 'echo TERM >> ${dir}/calls; exit 0' TERM`,
      'if [[ "${FAKE_TRAIN_SECONDS:-0}" != 0 ]]; then echo started > ' + `${dir}/started; sleep "$FAKE_TRAIN_SECONDS" & wait; fi`,
      '',
    ].join('\n'), { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'scontrol'), `#!/bin/bash\necho "scontrol $*" >> ${dir}/calls\n`, { mode: 0o755 });
    const scripts = writeSlurmScripts(plan, gridFolder, { command: [path.join(bin, 'fake-anime-gan')] });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, SLURM_ARRAY_TASK_ID: '1', SLURM_JOB_ID: '77' };
    const calls = () => (fs.existsSync(`${dir}/calls`) ? fs.readFileSync(`${dir}/calls`, 'utf8').trim().split('\n') : []);
    return { dir, plan, scripts, env, calls };
  }

  it('a task trains its run, with --resume once the folder holds a checkpoint', function () {
    const f = fakeNode();
    let r = spawnSync('bash', [f.scripts.train], { env: f.env, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const run = f.plan.runs[1];
    expect(f.calls()).to.deep.equal([`${run.train.join(' ')} --out ${run.dir}`]);
    fs.mkdirSync(run.dir, { recursive: true });
    fs.writeFileSync(path.join(run.dir, 'checkpoint.ckpt'), '');
    r = spawnSync('bash', [f.scripts.train], { env: f.env, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(f.calls()[1]).to.equal(`${run.train.join(' ')} --out ${run.dir} --resume`);
    r = spawnSync('bash', [f.scripts.train], { env: { ...f.env, SLURM_ARRAY_TASK_ID: '9' }, encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('no run for array task 9');
  });

  it('USR1 before the time limit: SIGTERM to the trainer, wait for it, requeue the task, exit 0', async function () {
    const f = fakeNode();
    const child = spawn('bash', [f.scripts.train], { env: { ...f.env, FAKE_TRAIN_SECONDS: '30' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const t0 = Date.now();
    while (!fs.existsSync(path.join(f.dir, 'started'))) {
      if (Date.now() - t0 > 10_000) throw new Error('the fake trainer did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGUSR1');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.equal(0);
    expect(Date.now() - t0).to.be.lessThan(10_000); // it did not sit out the 30 s "training"
    expect(f.calls().slice(1)).to.deep.equal(['TERM', 'scontrol requeue 77']);
    expect(out).to.include('time limit near');
  });
});
