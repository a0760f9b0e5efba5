/**
 * A one-node Slurm cluster for the tests, from Debian's slurm-wlm and munge, started as root in a
 * temporary folder: munged with its own key and socket, slurmctld and slurmd from one slurm.conf
 * on free ports. stop() cancels what is queued and ends the three daemons by pid.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface SlurmCluster {
  dir: string;
  /** slurm.conf; clients find it through SLURM_CONF (set in process.env while the cluster runs). */
  conf: string;
  stop(): Promise<void>;
}

const DAEMONS = ['munged', 'slurmctld', 'slurmd'] as const;
const CLIENTS = ['mungekey', 'sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } }).status === 0;
}

/** Why a cluster cannot start here, or undefined when it can try. */
export function whyNoSlurm(): string | undefined {
  if (process.platform !== 'linux') return 'Slurm tests run on Linux only';
  if (process.getuid?.() !== 0) return 'starting slurmctld, slurmd and munged needs root';
  const missing = [...DAEMONS, ...CLIENTS].filter((c) => !onPath(c));
  if (missing.length) return `missing ${missing.join(', ')} (apt-get install slurm-wlm munge, or bash scripts/setup.sh --slurm)`;
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, f: () => T | undefined, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * Start the cluster, or return why it cannot run here (the caller prints SKIPPED with it). With
 * root and the packages present, a cluster that fails to start is an error, with its logs.
 */
export async function startSlurmCluster(): Promise<SlurmCluster | string> {
  const why = whyNoSlurm();
  if (why) return why;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-gan-slurm-'));
  for (const d of ['munge', 'state', 'spool', 'log', 'run']) fs.mkdirSync(path.join(dir, d), { mode: 0o700 });
  const p = (...xs: string[]) => path.join(dir, ...xs);
  const pids: Partial<Record<(typeof DAEMONS)[number], string>> = {
    munged: p('run', 'munged.pid'),
    slurmctld: p('run', 'slurmctld.pid'),
    slurmd: p('run', 'slurmd.pid'),
  };
  const previousConf = process.env.SLURM_CONF;
  const stop = async () => {
    // Cancel what is still queued so no job step outlives the daemons, then end them by pid.
    if (fs.existsSync(p('slurm.conf'))) {
      run('scancel', ['--full', '--quiet', ...jobIds()]);
      await waitFor('the queue to empty', () => jobIds().length === 0 || undefined, 60_000).catch(() => undefined);
    }
    for (const d of ['slurmd', 'slurmctld', 'munged'] as const) {
      const pid = readPid(pids[d]!);
      if (!pid || !alive(pid)) continue;
      process.kill(pid, 'SIGTERM');
      const gone = await waitFor(`${d} to stop`, () => !alive(pid) || undefined, 15_000).catch(() => false);
      if (!gone && alive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (previousConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = previousConf;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const jobIds = (): string[] => {
    const q = run('squeue', ['-h', '-o', '%i']);
    return q.ok ? q.out.split('\n').map((s) => s.trim()).filter((s) => /^\d+/.test(s)) : [];
  };
  try {
    let r = run('mungekey', ['-c', '-k', p('munge', 'munge.key')]);
    if (!r.ok) throw new Error(`mungekey: ${r.out}`);
    r = run('munged', [
      '--force',
      `--socket=${p('munge', 'munge.sock')}`,
      `--key-file=${p('munge', 'munge.key')}`,
      `--log-file=${p('log', 'munged.log')}`,
      `--pid-file=${pids.munged}`,
      `--seed-file=${p('munge', 'munged.seed')}`,
    ]);
    if (!r.ok) throw new Error(`munged: ${r.out}`);
    await waitFor('munged', () => fs.existsSync(p('munge', 'munge.sock')) || undefined, 10_000);

    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const conf = [
      'ClusterName=animegantest',
      'SlurmctldHost=localhost',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${p('munge', 'munge.sock')}`,
      `StateSaveLocation=${p('state')}`,
      `SlurmdSpoolDir=${p('spool')}`,
      `SlurmctldPidFile=${pids.slurmctld}`,
      `SlurmdPidFile=${pids.slurmd}`,
      `SlurmctldLogFile=${p('log', 'slurmctld.log')}`,
      `SlurmdLogFile=${p('log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'SchedulerParameters=sched_interval=1',
      'ReturnToService=2',
      'MpiDefault=none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MinJobAge=600',
      `NodeName=localhost CPUs=${os.cpus().length} RealMemory=1000 State=UNKNOWN`,
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n');
    fs.writeFileSync(p('slurm.conf'), conf);
    process.env.SLURM_CONF = p('slurm.conf');
    r = run('slurmctld', ['-f', p('slurm.conf')]);
    if (!r.ok) throw new Error(`slurmctld: ${r.out}`);
    r = run('slurmd', ['-f', p('slurm.conf'), '-N', 'localhost']);
    if (!r.ok) throw new Error(`slurmd: ${r.out}`);
    await waitFor('the node to be idle', () => /idle/.test(run('sinfo', ['-h', '-o', '%T']).out) || undefined, 60_000);
    return { dir, conf: p('slurm.conf'), stop };
  } catch (err) {
    const logs = ['slurmctld.log', 'slurmd.log', 'munged.log']
      .map((f) => p('log', f))
      .filter((f) => fs.existsSync(f))
      .map((f) => `${path.basename(f)}: ${fs.readFileSync(f, 'utf8').split('\n').slice(-5).join(' | ')}`);
    await stop();
    throw new Error(`the one-node cluster did not start: ${(err as Error).message}${logs.length ? `\n${logs.join('\n')}` : ''}`);
  }
}
