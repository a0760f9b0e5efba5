/**
 * `npm run bench`: the workbook's three hot paths against their PyTorch peers, measured back to
 * back in one run (the machine is shared, so only same-run ratios mean much), with GFLOP/s
 * against the machine's measured float32 peak: DCGAN training, the proposed model's training
 * step (and how it scales with batch and size), the Inception feature pass.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { benchDcgan, DcganBenchResult, dcganTrainFlops } from './dcgan';
import { fastestPeer, PeerOutcome, PeerResult, runPeer, runPeerScript } from './peer';
import { measurePeakGflops } from '../backend/native';
import { EXTRACTOR_DEFAULTS } from '../metrics/extractors/defaults';

const EXTRACTOR_BATCH = EXTRACTOR_DEFAULTS.batchSize;
import { benchInception, ProposedStepResult, ThroughputResult } from './model';
import { resolveConfig } from '../presets';

export interface BenchRow {
  size: number;
  batch: number;
  ours: DcganBenchResult;
  /** The faster of the peer's runs. */
  peer: PeerResult | { error: string };
  /** The peer as a user runs it, and with our OpenMP wait policy. */
  peerRuns?: (PeerResult | { error: string })[];
  /** ours / peer images per second. */
  ratio?: number;
  peer_gflops?: number;
}

/** One of the other hot paths: ours, the peer doing the same work, their ratio. */
export interface HotPathRow {
  what: string;
  ours: ThroughputResult | ProposedStepResult | { error: string };
  peer: PeerOutcome;
  /** ours / peer images per second. */
  ratio?: number;
  peer_gflops?: number;
}

export interface BenchAllResult {
  backend: string;
  peak_gflops?: number;
  rows: BenchRow[];
  /** The proposed model's step and the Inception feature pass, each against its peer. */
  extra: HotPathRow[];
  /** The proposed model's step over batch and image size, against its peer. */
  scaling: HotPathRow[];
}

export interface BenchAllOptions {
  sizes?: number[];
  batch?: number;
  /** Timed steps for 64x64; smaller images get proportionally more. */
  steps?: number;
  log?: (line: string) => void;
  /** Also time the proposed model's step and the Inception pass (default true). */
  extra?: boolean;
  /** The proposed step's scaling table: these batches × sizes (default 1, 8, 32 × 32, 64, 96; [] for none). */
  scalingBatches?: number[];
  scalingSizes?: number[];
}

/** Inception-v3 forward FLOPs per 299×299 image (2 × 2.85 G multiply-adds, torchvision's count). */
export const INCEPTION_V3_FLOPS = 5.71e9;

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** Rounds of the proposed step's main rows (see proposedRounds). */
const ROUNDS = 2;

function compare(what: string, ours: HotPathRow['ours'], peer: PeerOutcome, flopsPerImage?: number): HotPathRow {
  const row: HotPathRow = { what, ours, peer };
  if (!('error' in ours) && !('error' in peer)) {
    row.ratio = round(ours.images_per_s / peer.images_per_s, 2);
    if (flopsPerImage) row.peer_gflops = round((flopsPerImage * peer.images_per_s) / 1e9, 1);
  }
  return row;
}

async function attempt<T>(f: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await f();
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  }
}

/**
 * `anime-gan bench proposed --json [args]` in a process of its own, with this process's backend
 * choice: as a training run (and the peer) starts, not on the heap the DCGAN rows left (the 64×64
 * step measured 7.17 pairs/s in the benchmark's process after them, 8.38 in a process of its own,
 * one run), and a size that fills the 4 GB WebAssembly heap aborts only that process.
 */
function oursInChild(args: string[]): ProposedStepResult | { error: string } {
  const cli = path.join(__dirname, '..', 'cli', 'main.js');
  const r = spawnSync(process.execPath, [cli, '--backend', tf.getBackend(), 'bench', 'proposed', '--json', ...args],
    { encoding: 'utf8', timeout: 30 * 60 * 1000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ProposedStepResult;
  } catch {
    const err = (r.stderr ?? '').split('\n').filter((l) => l.startsWith('anime-gan:') && !l.includes('using the')).pop();
    if (err && /ran out of memory/.test(err)) return { error: 'does not fit the 4 GB WebAssembly heap' };
    return { error: (err ?? `exit ${r.status}`).replace(/^anime-gan: (error: )?/, '').slice(0, 160) };
  }
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b), m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/** Our runs of one setting as one result: every timed step pooled, the median step counting. */
export function pooledOurs(runs: (ProposedStepResult | { error: string })[]): ProposedStepResult | { error: string } {
  const ok = runs.filter((r): r is ProposedStepResult => !('error' in r));
  if (ok.length < runs.length) return runs.find((r) => 'error' in r) as { error: string };
  const steps = ok.flatMap((r) => r.step_ms), ms = median(steps), first = ok[0];
  const flopsPerStep = (first.gflops * first.ms_per_batch) / 1000; // GFLOP
  return { ...first, step_ms: steps, ms_per_batch: round(ms, 1), images_per_s: round((first.batch * 1000) / ms, 2), gflops: round(flopsPerStep / (ms / 1000), 1) };
}

/** One peer setting's runs as one result, likewise (the median of its pooled steps). */
export function pooledPeer(runs: PeerOutcome[]): PeerOutcome {
  const ok = runs.filter((r): r is PeerResult => !('error' in r) && Array.isArray(r.step_ms));
  if (ok.length < runs.length) return runs.find((r) => 'error' in r) ?? runs[0];
  const steps = ok.flatMap((r) => r.step_ms as number[]), ms = median(steps);
  return { ...ok[0], step_ms: steps, ms_per_step: round(ms, 1), images_per_s: round((ok[0].batch * 1000) / ms, 2) };
}

/**
 * A proposed-step row: ours, then the peer as a user runs it, then the peer with our OpenMP
 * setting, `rounds` times over. This machine's speed drifts by 20–30% over minutes, and one
 * measurement of each side, back to back, let a drift land on one side only: each side's steps are
 * pooled over the rounds and the median step counts (for the peer, its faster setting).
 */
async function proposedRounds(what: string, rounds: number, ours: () => Promise<ProposedStepResult | { error: string }>,
  peerArgs: Record<string, number>, log: (l: string) => void): Promise<HotPathRow> {
  const runs: (ProposedStepResult | { error: string })[] = [], byDefault: PeerOutcome[] = [], byOurs: PeerOutcome[] = [];
  for (let r = 1; r <= rounds; r++) {
    log(`${what}: ${tf.getBackend()} (${peerArgs.steps} steps, round ${r} of ${rounds})...`);
    const o = await ours();
    runs.push(o);
    // The peer warms up for as many steps as ours did (it still runs when ours cannot: a size
    // that does not fit our heap).
    const args: Record<string, number> = { ...peerArgs, warmup: 'error' in o ? 2 : o.warmup_steps };
    log(`${what}: peer (${args.warmup} + ${args.steps} steps, round ${r} of ${rounds})...`);
    byDefault.push(runPeerScript('cycle', args, 'default'));
    byOurs.push(runPeerScript('cycle', args, 'ours'));
  }
  const o = pooledOurs(runs);
  const peer = fastestPeer([pooledPeer(byDefault), pooledPeer(byOurs)]);
  return compare(what, o, peer, 'error' in o ? undefined : (o.gflops * 1e9 * o.ms_per_batch) / 1000 / o.batch);
}

async function proposedRow(size: number, batch: number, steps: number, log: (l: string) => void, rounds = 1): Promise<HotPathRow> {
  const what = `proposed model step ${size}x${size}, batch ${batch}, ngf = ndf = 64`;
  const ours = async () => oursInChild(['--size', String(size), '--batch', String(batch), '--steps', String(steps)]);
  return proposedRounds(what, rounds, ours, { size, batch, steps }, log);
}

/** The quick (and workstation) preset's cycle model as it trains, against the peer doing the same. */
async function quickRow(log: (l: string) => void, rounds: number): Promise<HotPathRow> {
  const steps = 8;
  // The preset's settings, read from a configuration as `bench proposed --preset quick` makes it.
  const probe = resolveConfig('proposed', 'quick', { seed: 1 });
  const [size] = probe.size, gp = probe.proposedAdversarial === 'wgan-gp' ? probe.gpWeight : 0;
  const what = `proposed model step ${size}x${size}, batch ${probe.batch}, ngf ${probe.resnetNgf}, ndf ${probe.ndf}, ` +
    'gradient penalty (quick / workstation preset)';
  const args = { size, batch: probe.batch, ngf: probe.resnetNgf as number, ndf: probe.ndf, steps, gp, lr: probe.optimizerG.lr };
  return proposedRounds(what, rounds, async () => oursInChild(['--preset', 'quick', '--steps', String(steps)]), args, log);
}

export async function benchAll(opts: BenchAllOptions = {}): Promise<BenchAllResult> {
  const sizes = opts.sizes ?? [32, 64];
  const batch = opts.batch ?? 64;
  const log = opts.log ?? (() => undefined);
  const peak = measurePeakGflops(2);
  if (peak) log(`peak: ${peak.toFixed(0)} GFLOP/s (oneDNN 2048^3 sgemm)`);
  const rows: BenchRow[] = [];
  for (const size of sizes) {
    const steps = Math.max(1, Math.round((opts.steps ?? 5) * Math.max(1, 64 / size)));
    log(`dcgan ${size}x${size} batch ${batch}: peer (${steps} steps)...`);
    // The peer twice, as a user runs it and with our OpenMP setting; the faster one counts.
    const peers = [runPeer(size, batch, steps, 'default'), runPeer(size, batch, steps, 'ours')];
    const peer = fastestPeer(peers);
    log(`dcgan ${size}x${size} batch ${batch}: ${tf.getBackend()} (${steps} steps)...`);
    const ours = await benchDcgan({ size, batch, steps });
    const row: BenchRow = { size, batch, ours, peer, peerRuns: peers };
    if (!('error' in peer)) {
      row.ratio = Math.round((ours.images_per_s / peer.images_per_s) * 100) / 100;
      row.peer_gflops = Math.round((dcganTrainFlops(size) * peer.images_per_s) / 1e9 * 10) / 10;
    }
    rows.push(row);
  }
  const extra: HotPathRow[] = [];
  const scaling: HotPathRow[] = [];
  if (opts.extra ?? true) {
    extra.push(await proposedRow(64, 8, 4, log, ROUNDS));
    extra.push(await quickRow(log, ROUNDS));
    const ib = EXTRACTOR_BATCH;
    log(`Inception features, batch ${ib}: ${tf.getBackend()}...`);
    const ours = await attempt(() => benchInception({ batch: ib, batches: 2 }));
    log(`Inception features, batch ${ib}: peer...`);
    const peer = fastestPeer([
      runPeerScript('inception', { batch: ib, batches: 2, size: 64 }, 'default'),
      runPeerScript('inception', { batch: ib, batches: 2, size: 64 }, 'ours'),
    ]);
    extra.push(compare(`Inception-v3 features 299x299, batch ${ib}`, ours, peer, INCEPTION_V3_FLOPS));
    for (const size of opts.scalingSizes ?? [32, 64, 96]) {
      for (const b of opts.scalingBatches ?? [1, 8, 32]) {
        // About the same work per measurement: fewer steps for the bigger ones.
        const steps = Math.max(2, Math.min(8, Math.round((8 * 64 * 64) / (b * size * size))));
        scaling.push(await proposedRow(size, b, steps, log));
      }
    }
  }
  return { backend: tf.getBackend(), peak_gflops: peak && Math.round(peak), rows, extra, scaling };
}

/** The results as a Markdown table (the README keeps one). */
export function formatBenchTable(r: BenchAllResult): string {
  const pk = (g?: number) => (g != null && r.peak_gflops ? ` (${Math.round((100 * g) / r.peak_gflops)}%)` : '');
  const lines = [
    `| DCGAN training, batch | peer (PyTorch CPU) img/s: default / passive OpenMP waits | ours (${r.backend}) img/s | ratio to the faster peer | peer GFLOP/s | ours GFLOP/s |`,
    '|---|---|---|---|---|---|',
  ];
  for (const row of r.rows) {
    const p = (row.peerRuns ?? [row.peer]).map((x) => ('error' in x ? `n/a (${x.error})` : String(x.images_per_s))).join(' / ');
    lines.push(`| ${row.size}x${row.size}, ${row.batch} | ${p} | ${row.ours.images_per_s} | ${row.ratio ?? 'n/a'} | ` +
      `${row.peer_gflops ?? 'n/a'}${pk(row.peer_gflops)} | ${row.ours.gflops}${pk(row.ours.gflops)} |`);
  }
  const hot = (title: string, rs: HotPathRow[]) => {
    if (!rs.length) return;
    lines.push('', `| ${title} | peer (PyTorch CPU) img/s | ours (${r.backend}) img/s | ratio | peer GFLOP/s | ours GFLOP/s |`, '|---|---|---|---|---|---|');
    for (const h of rs) {
      const ours = 'error' in h.ours ? `n/a (${h.ours.error})` : String(h.ours.images_per_s);
      const peer = 'error' in h.peer ? `n/a (${h.peer.error})` : String(h.peer.images_per_s);
      const og = 'error' in h.ours ? undefined : (h.ours as Partial<ProposedStepResult>).gflops
        ?? (h.what.startsWith('Inception') ? round((INCEPTION_V3_FLOPS * h.ours.images_per_s) / 1e9, 1) : undefined);
      lines.push(`| ${h.what} | ${peer} | ${ours} | ${h.ratio ?? 'n/a'} | ${h.peer_gflops ?? 'n/a'}${pk(h.peer_gflops)} | ${og ?? 'n/a'}${pk(og)} |`);
    }
  };
  hot('other hot paths', r.extra);
  hot('proposed step scaling (pairs/s)', r.scaling);
  if (r.peak_gflops) lines.push('', `Machine peak (oneDNN sgemm 2048³, all cores): ${r.peak_gflops} GFLOP/s.`);
  return lines.join('\n');
}
