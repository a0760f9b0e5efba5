/**
 * `npm run bench`: the workbook's DCGAN training throughput against the PyTorch peer, measured
 * back to back in one run (the machine is shared, so only same-run ratios mean much), with
 * GFLOP/s against the machine's measured float32 peak.
 */
import * as tf from '@tensorflow/tfjs';
import { benchDcgan, DcganBenchResult, dcganTrainFlops } from './dcgan';
import { PeerResult, runPeer } from './peer';
import { measurePeakGflops } from '../backend/native';
import { benchInception, benchProposedStep, ThroughputResult } from './model';

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

export interface BenchAllResult {
  backend: string;
  peak_gflops?: number;
  rows: BenchRow[];
  /** The proposed model's step and the Inception feature pass (no peer), or why they failed. */
  extra: (ThroughputResult | { what: string; error: string })[];
}

export interface BenchAllOptions {
  sizes?: number[];
  batch?: number;
  /** Timed steps for 64x64; smaller images get proportionally more. */
  steps?: number;
  log?: (line: string) => void;
  /** Also time the proposed model's step and the Inception pass (default true). */
  extra?: boolean;
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
    const ok = peers.filter((p): p is Exclude<typeof p, { error: string }> => !('error' in p));
    const peer = ok.length ? ok.reduce((a, b) => (b.images_per_s > a.images_per_s ? b : a)) : peers[0];
    log(`dcgan ${size}x${size} batch ${batch}: ${tf.getBackend()} (${steps} steps)...`);
    const ours = await benchDcgan({ size, batch, steps });
    const row: BenchRow = { size, batch, ours, peer, peerRuns: peers };
    if (!('error' in peer)) {
      row.ratio = Math.round((ours.images_per_s / peer.images_per_s) * 100) / 100;
      row.peer_gflops = Math.round((dcganTrainFlops(size) * peer.images_per_s) / 1e9 * 10) / 10;
    }
    rows.push(row);
  }
  const extra: BenchAllResult['extra'] = [];
  if (opts.extra ?? true) {
    for (const [what, f] of [['proposed model step', () => benchProposedStep()], ['Inception features', () => benchInception()]] as const) {
      log(`${what}...`);
      try {
        extra.push(await f());
      } catch (e) {
        extra.push({ what, error: (e as Error).message.split('\n')[0] });
      }
    }
  }
  return { backend: tf.getBackend(), peak_gflops: peak && Math.round(peak), rows, extra };
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
  if (r.extra.length) {
    lines.push('', `| other hot paths (${r.backend}) | batch | img/s | ms/batch |`, '|---|---|---|---|');
    for (const e of r.extra) {
      lines.push('error' in e ? `| ${e.what} | | n/a (${e.error}) | |` : `| ${e.what} | ${e.batch} | ${e.images_per_s} | ${e.ms_per_batch} |`);
    }
  }
  if (r.peak_gflops) lines.push('', `Machine peak (oneDNN sgemm 2048³, all cores): ${r.peak_gflops} GFLOP/s.`);
  return lines.join('\n');
}
