/**
 * `anime-gan grid plan | submit | status | collect | cancel`: the paper's run grid on a Slurm
 * cluster. plan writes the manifest (one line per run); submit writes the batch scripts beside it
 * and queues one array task per run, then the scoring job; status reads the queue and the run
 * folders; collect writes Table 1 and the figures from the finished runs. The work is in lib/grid/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { presetNames, TrainConfig } from '../../presets';
import { UserError } from '../../util/errors';
import { readRunMeta } from '../../train/runFolder';
import {
  formatPlan,
  formatStatus,
  gridDir,
  gridStatus,
  planGrid,
  readManifest,
  runProgress,
  writeManifest,
  GridManifest,
} from '../../grid';
import {
  cancelSlurmJobs,
  readSlurmJobs,
  slurmJobState,
  slurmTaskStates,
  SlurmOptions,
  submitToSlurm,
  writeSlurmScripts,
  DEFAULT_SIGNAL_SECONDS,
} from '../../grid/slurm';
import { globalOptions, intOption, useBackend } from '../context';
import { collectRepeated } from '../params';

interface WhereOptions {
  preset: string;
  dataRoot?: string;
  runs?: string;
  grid?: string;
}

interface PlanCliOptions extends WhereOptions {
  param: string[];
  seeds?: string;
  epochs?: number;
  limit?: number;
  classifierImages?: number;
  classifierEpochs?: number;
}

const where = (c: Command): Command =>
  c
    .option('--preset <name>', `settings: ${presetNames().join(' | ')}`, 'quick')
    .option('--data-root <dir>', 'real data folder (celeba-89x109/, anime-faces-96/); default: the embedded data')
    .option('--runs <dir>', 'where runs are kept, on a folder every node sees (default: $ANIME_GAN_RUNS, else runs/)')
    .option('--grid <dir>', 'the grid folder: manifest, scripts, logs, Table 1 (default: <runs>/<preset>/grid-embedded|real)');

const planOptions = (c: Command): Command =>
  where(c)
    .option('-p, --param <name=value>', 'one setting of the preset for every run, e.g. -p checkpointEvery=50 (repeatable)', collectRepeated, [])
    .option('--seeds <list>', 'seeds, e.g. 0,1,2 (default: the preset\'s Table 1 seeds)')
    .option('--epochs <e>', 'epochs over each run\'s data instead of a step count (the paper: 200)', intOption('--epochs', 1))
    .option('--limit <n>', 'use only the first n images of real folders', intOption('--limit', 1))
    .option('--classifier-images <n>', 'images the IS classifiers train on (default: as notebook 06)', intOption('--classifier-images', 1))
    .option('--classifier-epochs <n>', 'epochs of the IS classifiers (default: as notebook 06)', intOption('--classifier-epochs', 1));

function parseSeeds(s: string | undefined): number[] | undefined {
  if (s === undefined) return undefined;
  const seeds = s.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  if (!seeds.length || seeds.some((x) => !Number.isInteger(x) || x < 0)) throw new UserError(`--seeds takes whole numbers like 0,1,2; got '${s}'`);
  return seeds;
}

/** Plan from the options and write the manifest; refuse runs whose folders hold other settings. */
function plan(o: PlanCliOptions): { m: GridManifest; dir: string; file: string } {
  const m = planGrid({
    preset: o.preset,
    dataRoot: o.dataRoot,
    runsDir: o.runs,
    params: o.param,
    seeds: parseSeeds(o.seeds),
    epochs: o.epochs,
    limit: o.limit,
    classifierImages: o.classifierImages,
    classifierEpochs: o.classifierEpochs,
  });
  for (const r of m.runs) {
    const p = runProgress(r);
    if (p.checkpointStep === 0) continue;
    const held = readRunMeta(r.dir).config;
    const same = (c: TrainConfig) => JSON.stringify({ ...c, steps: 0 });
    if (m.epochs === undefined && same(held) !== same(r.config)) {
      throw new UserError(`${r.dir} holds a run with other settings than this plan: remove it, or keep runs apart with --runs`);
    }
  }
  const dir = gridDir({ ...o, runsDir: o.runs });
  const file = writeManifest(m, dir);
  return { m, dir, file };
}

export function registerGridCommands(program: Command): void {
  const grid = program
    .command('grid')
    .description('the paper\'s run grid on a Slurm cluster: plan, submit, status, collect, cancel');

  planOptions(grid.command('plan').description('list the runs of the grid and write them as a manifest')).action((o: PlanCliOptions) => {
    const { m, file } = plan(o);
    process.stdout.write(formatPlan(m));
    process.stderr.write(`manifest: ${file}\n`);
  });

  planOptions(grid.command('submit').description('submit the grid: one Slurm array task per run, then the scoring job'))
    .option('--cpus-per-task <n>', 'sbatch --cpus-per-task', intOption('--cpus-per-task', 1))
    .option('--mem <size>', 'sbatch --mem, e.g. 16G')
    .option('--gres <spec>', 'sbatch --gres, e.g. gpu:1 (with the tfjs-node-gpu backend)')
    .option('--time <limit>', 'sbatch --time per task, e.g. 24:00:00 (a task past it checkpoints and requeues itself)')
    .option('--partition <name>', 'sbatch --partition')
    .option('--account <name>', 'sbatch --account')
    .option('--sbatch <flag>', 'any other sbatch flag, one per use, e.g. --sbatch=--qos=long (repeatable)', collectRepeated, [])
    .option('--max-running <n>', 'at most n tasks at once (--array=…%n)', intOption('--max-running', 1))
    .option('--signal-seconds <s>', 'seconds before the time limit to checkpoint and requeue', intOption('--signal-seconds', 1), DEFAULT_SIGNAL_SECONDS)
    .option('--setup <line>', 'a shell line to run first on the node, e.g. "module load cuda/11.2" (repeatable)', collectRepeated, [])
    .option('--command <cmd>', 'how nodes start anime-gan (default: this node and this build, by absolute path)')
    .option('--job-name <name>', 'Slurm job name (default: anime-gan-<preset>)')
    .option('--dry-run', 'write the manifest and the scripts, submit nothing')
    .action((o: PlanCliOptions & Record<string, unknown>, cmd: Command) => {
      const dir = gridDir({ ...o, runsDir: o.runs });
      const previous = readSlurmJobs(dir);
      if (previous && !o.dryRun) {
        const queued = slurmTaskStates(previous.arrayJobId);
        const live = [...queued.values()].filter((s) => s.source === 'squeue').length;
        if (live) throw new UserError(`this grid is already in the queue (job ${previous.arrayJobId}, ${live} tasks): \`anime-gan grid cancel\` first, or see \`anime-gan grid status\``);
      }
      const { m, file } = plan(o);
      const slurm: SlurmOptions = {
        cpusPerTask: o.cpusPerTask as number | undefined,
        mem: o.mem as string | undefined,
        gres: o.gres as string | undefined,
        time: o.time as string | undefined,
        partition: o.partition as string | undefined,
        account: o.account as string | undefined,
        sbatch: o.sbatch as string[],
        maxRunning: o.maxRunning as number | undefined,
        signalSeconds: o.signalSeconds as number,
        setup: o.setup as string[],
        command: o.command ? (o.command as string).trim().split(/\s+/) : undefined,
        backend: globalOptions(cmd).backend,
        jobName: o.jobName as string | undefined,
      };
      process.stdout.write(formatPlan(m));
      if (o.dryRun) {
        const s = writeSlurmScripts(m, dir, slurm);
        process.stderr.write(`manifest: ${file}\nscripts: ${s.train}, ${s.score} (not submitted: --dry-run)\n`);
        return;
      }
      const jobs = submitToSlurm(m, dir, slurm);
      process.stderr.write(
        `manifest: ${file}\nsubmitted: training array ${jobs.arrayJobId} (${m.runs.length} tasks), scoring job ${jobs.scoreJobId} after it\n` +
          `scripts and logs in ${dir}; follow with: anime-gan grid status --grid ${dir}\n`,
      );
    });

  where(grid.command('status').description('per-run state from squeue/sacct and the run folders')).action((o: WhereOptions) => {
    const dir = gridDir({ ...o, runsDir: o.runs });
    const m = readManifest(dir);
    const jobs = readSlurmJobs(dir);
    const tasks = jobs ? slurmTaskStates(jobs.arrayJobId) : new Map();
    process.stdout.write(formatStatus(gridStatus(m, tasks, Boolean(jobs))));
    if (jobs) {
      const score = slurmJobState(jobs.scoreJobId);
      process.stdout.write(`scoring job ${jobs.scoreJobId}: ${score ? `${score.state}${score.detail && score.detail !== 'None' ? ` (${score.detail})` : ''}` : 'no longer in the queue'}\n`);
    }
    const table = path.join(dir, 'table1.md');
    if (fs.existsSync(table)) process.stdout.write(`Table 1: ${table}\n`);
  });

  where(grid.command('collect').description('Table 1 and the figures from the finished runs, naming the missing ones'))
    .option('--out <dir>', 'where table1.md/.json and the figures go (default: the grid folder)')
    .action(async (o: WhereOptions & { out?: string }, cmd: Command) => {
      const dir = gridDir({ ...o, runsDir: o.runs });
      const m = readManifest(dir);
      await useBackend(cmd, true);
      const { collectGrid } = await import('../../grid/collect');
      const r = await collectGrid(m, o.out ? path.resolve(o.out) : dir);
      process.stdout.write(`${r.finished.length} of ${m.runs.length} runs finished; Table 1: ${r.table.md}, ${r.table.json}\n`);
      if (r.figures.length) process.stdout.write(`figures: ${r.figures.join(', ')}\n`);
      if (r.missing.length) process.stdout.write(`missing (not finished): ${r.missing.map((x) => x.name).join(', ')}\n`);
    });

  where(grid.command('cancel').description('cancel the grid\'s Slurm jobs (run folders are kept; submit again to continue)')).action((o: WhereOptions) => {
    const dir = gridDir({ ...o, runsDir: o.runs });
    const jobs = readSlurmJobs(dir);
    if (!jobs) throw new UserError(`the grid in ${dir} was never submitted`);
    cancelSlurmJobs(jobs);
    process.stderr.write(`cancelled jobs ${jobs.arrayJobId} and ${jobs.scoreJobId}\n`);
  });
}
