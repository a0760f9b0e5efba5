/**
 * Training parity with the PyTorch reference (`anime-gan parity dcgan|wgan`): the workbook's
 * DCGAN or WGAN and scripts/parity/reference_gan.py (same architecture, initialisation,
 * optimiser, batch and steps) train on the same images, draw the same number of samples, and
 * both are scored with the same extractor against held-out images of the folder.
 *
 * The split is fixed: the readable images of the folder in name order (natural order, as the
 * loader lists them); the last `holdout` are held out for scoring, the rest are trained on. The
 * real-vs-real floor is the FID of the first half of the held-out images against the second
 * half: what two samples of the real distribution of that size score.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ImageFolder } from '../data/imageFolder';
import { heldOutCount } from '../data/split';
import { bytesToUnit } from '../data/preprocess';
import { ModelName, resolveConfig, TrainConfig } from '../presets';
import { loadRun, train } from '../train/trainer';
import { validateConfig } from '../train/recipes/registry';
import { ImageSource } from '../train/batchStream';
import { noiseSamples } from '../train/sampling';
import { encodeNpy, parseNpy } from '../metrics/npz';
import { calculateActivationStatistics, ActivationStatistics } from '../metrics/statistics';
import { fidFromStatistics } from '../metrics/fid';
import { meanStd } from '../metrics/inceptionScore';
import { defaultExtractorName, tensorFeatures } from '../metrics/folderFeatures';
import { imagesToBytes, projectRoot, reportPath, saveImageGrid, UserError, writeFileAtomic, writeJsonAtomic } from '../util';
import { READABLE_CELL } from '../util/imageGrid';
import { peerPython } from './peer';

export type ParityModel = Extract<ModelName, 'dcgan' | 'wgan'>;

export interface ParityOptions {
  model: ParityModel;
  /** image folder (or one with images/) */
  data: string;
  /** [height, width]; default 32×32 */
  size?: [number, number];
  steps: number;
  /** default 64 */
  batch?: number;
  seeds: number[];
  /** samples drawn from each trained generator; default 1000 */
  samples?: number;
  /** images held out at the end of the folder; default min(2000, a quarter of the folder) */
  holdout?: number;
  /** network widths (default 64, the reference widths); smaller only for smoke tests */
  ngf?: number;
  ndf?: number;
  /** feature extractor name (default: the offline nsfwjs proxy) */
  features?: string;
  /** learning rate of both networks on both sides (default the recipe's: DCGAN 2e-4, WGAN 5e-5) */
  lr?: number;
  out: string;
  /** where progress lines go (default stderr) */
  log?: (line: string) => void;
}

export interface ParitySide {
  fid: number;
  /** training time, seconds (the training loop only) */
  seconds: number;
  imagesPerSecond: number;
}

export interface ParityReport {
  model: ParityModel;
  date: string;
  data: string;
  size: [number, number];
  steps: number;
  batch: number;
  config: TrainConfig;
  split: { images: number; train: number; heldOut: number; firstHeldOut: string; rule: string };
  samples: number;
  features: string;
  featuresDescription: string;
  backend: string;
  reference: { torch: string; threads: number; script: string };
  /** trainable parameters of each network, equal in both implementations (checked) */
  parameters: { generator: number; critic: number };
  /** FID of the first half of the held-out images against the second half */
  floor: { fid: number; n: number };
  seeds: { seed: number; ours: ParitySide; reference: ParitySide }[];
  summary: { ours: { mean: number; std: number; seconds: number }; reference: { mean: number; std: number; seconds: number } };
}

/** The reference script shipped with the workbook. */
export function referenceScript(): string {
  return path.join(projectRoot(), 'scripts', 'parity', 'reference_gan.py');
}

/** Why PyTorch cannot run here (one line), or undefined when python3 can import torch and numpy. */
export function referenceUnavailable(): string | undefined {
  const py = peerPython();
  const r = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `${py} did not start (${r.error.message})`;
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').pop() ?? `exit ${r.status}`;
    return `${py} cannot import torch and numpy (${last}); on Debian: apt-get install python3-torch python3-numpy (or scripts/setup.sh --bench); ANIME_GAN_PYTHON names another python`;
  }
  return undefined;
}

/** A subset of an ImageFolder by index (the training part of the split). */
function subset(folder: ImageFolder, indices: number[]): ImageSource {
  return { length: indices.length, batchAt: (idx: number[]) => folder.batchAt(idx.map((i) => indices[i])) };
}

/** Features of uint8 images [n, h, w, 3] (as written to PNG), in chunks of 100. */
async function featuresOfBytes(bytes: Uint8Array | Float64Array, n: number, size: [number, number], extractor: string): Promise<{ features: Float32Array; dim: number; name: string; description: string }> {
  const [h, w] = size;
  const per = h * w * 3;
  const parts: Float32Array[] = [];
  let dim = 0;
  let description = '';
  let name = extractor;
  for (let s = 0; s < n; s += 100) {
    const m = Math.min(100, n - s);
    const unit = new Float32Array(m * per);
    for (let i = 0; i < m * per; i++) unit[i] = bytes[s * per + i] / 127.5 - 1;
    const images = tf.tensor4d(unit, [m, h, w, 3]);
    try {
      const f = await tensorFeatures(images, extractor);
      parts.push(f.features);
      dim = f.dim;
      description = f.description;
      name = f.extractor;
    } finally {
      images.dispose();
    }
  }
  const features = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    features.set(p, o);
    o += p.length;
  }
  return { features, dim, name, description };
}

async function statisticsOfBytes(bytes: Uint8Array | Float64Array, n: number, size: [number, number], extractor: string): Promise<ActivationStatistics> {
  const f = await featuresOfBytes(bytes, n, size, extractor);
  return calculateActivationStatistics(f.features, f.dim);
}

/** The held-out images' bytes, [first, last) of the kept files. */
function folderBytes(folder: ImageFolder, from: number, to: number): Uint8Array {
  const per = folder.size[0] * folder.size[1] * 3;
  const out = new Uint8Array((to - from) * per);
  for (let i = from; i < to; i++) out.set(folder.image(i), (i - from) * per);
  return out;
}

function runReference(args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(peerPython(), [referenceScript(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      err += text;
      for (const line of text.split('\n')) if (line.startsWith('reference ')) log(line);
    });
    child.stdout.resume();
    child.on('error', (e) => reject(new UserError(`the PyTorch reference did not start: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new UserError(`the PyTorch reference failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`));
    });
  });
}

export async function runParity(o: ParityOptions, backend: string): Promise<ParityReport> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const why = referenceUnavailable();
  if (why) throw new UserError(`parity needs PyTorch: ${why}`);
  const size = o.size ?? [32, 32];
  const batch = o.batch ?? 64;
  const nSamples = o.samples ?? 1000;
  if (o.seeds.length === 0) throw new UserError('--seeds names no seed');
  const preset = o.model === 'dcgan' ? 'dcgan-original' : 'wgan-original';
  const recipe = resolveConfig(o.model, preset, { size, batch, steps: o.steps, ...(o.ngf ? { ngf: o.ngf } : {}), ...(o.ndf ? { ndf: o.ndf } : {}) });
  if (o.lr !== undefined && !(o.lr > 0 && Number.isFinite(o.lr))) throw new UserError(`--lr takes a positive number, got ${o.lr}`);
  // One rate for both networks, as the recipes have it; the reference reads it from the same config.
  const base: TrainConfig = o.lr === undefined ? recipe : { ...recipe, optimizerG: { ...recipe.optimizerG, lr: o.lr }, optimizerD: { ...recipe.optimizerD, lr: o.lr } };
  // No intermediate sample grids or checkpoints: only the training loop is timed.
  const configFor = (seed: number): TrainConfig => ({ ...base, seed, sampleEvery: o.steps, checkpointEvery: o.steps, logEvery: Math.max(1, Math.floor(o.steps / 100)) });
  validateConfig(configFor(o.seeds[0]));

  const folder = await ImageFolder.open(o.data, { size, diskCache: false });
  const holdout = o.holdout ?? heldOutCount(folder.length);
  if (holdout < 4) throw new UserError(`--holdout ${holdout}: hold out at least 4 images (the floor compares two halves)`);
  const nTrain = folder.length - holdout;
  if (nTrain < batch) throw new UserError(`${folder.length} readable images leave ${nTrain} to train on after holding out ${holdout}, fewer than one batch of ${batch}`);
  const trainIdx = Array.from({ length: nTrain }, (_, i) => i);
  const features = o.features ?? (await defaultExtractorName());
  if (fs.existsSync(path.join(o.out, 'parity.json')) || o.seeds.some((seed) => fs.existsSync(path.join(o.out, `seed-${seed}`)))) {
    throw new UserError(`${o.out} already holds a parity run; choose another --out`);
  }
  fs.mkdirSync(o.out, { recursive: true });
  log(`parity ${o.model}: ${folder.length} images of ${folder.root}; training on the first ${nTrain} in name order, holding out the last ${holdout} (from ${folder.files[nTrain]}); ${o.steps} steps of batch ${batch} at ${size.join('x')}; ${nSamples} samples each; features ${features}`);

  // The reference reads exactly the pixels the workbook trains on.
  const trainNpy = path.join(o.out, 'train.npy');
  writeFileAtomic(trainNpy, encodeNpy(folderBytes(folder, 0, nTrain), [nTrain, size[0], size[1], 3], '|u1'));

  const per = size[0] * size[1] * 3;
  const held = await featuresOfBytes(folderBytes(folder, nTrain, folder.length), holdout, size, features);
  const heldStats = calculateActivationStatistics(held.features, held.dim);
  const half = Math.floor(holdout / 2);
  const floor = {
    fid: fidFromStatistics(
      calculateActivationStatistics(held.features.subarray(0, half * held.dim), held.dim),
      calculateActivationStatistics(held.features.subarray(half * held.dim, 2 * half * held.dim), held.dim),
    ),
    n: half,
  };
  log(`real-vs-real floor (held-out halves of ${half}): FID ${floor.fid.toFixed(3)}`);

  const seeds: ParityReport['seeds'] = [];
  let refInfo = { torch: '?', threads: 0 };
  let parameters = { generator: 0, critic: 0 };
  for (const seed of o.seeds) {
    const dir = path.join(o.out, `seed-${seed}`);
    const config = configFor(seed);
    // ours
    log(`seed ${seed}: training ours (${backend})`);
    const r = await train({ config, out: path.join(dir, 'ours-run'), data: subset(folder, trainIdx), dataPaths: { a: path.resolve(folder.root) } });
    const { model } = loadRun(path.join(dir, 'ours-run'));
    const ourParams = Object.values(model.networks).map((net) => net.trainableWeights.reduce((t, w) => t + (w.shape as number[]).reduce((a, b) => a * b, 1), 0));
    const oursBytes = new Uint8Array(nSamples * per);
    try {
      let k = 0;
      for (const images of noiseSamples(model, nSamples, seed + 1000)) {
        oursBytes.set(await imagesToBytes(images), k * per);
        k += images.shape[0];
        images.dispose();
      }
    } finally {
      model.dispose();
    }
    writeFileAtomic(path.join(dir, 'ours-samples.npy'), encodeNpy(oursBytes, [nSamples, size[0], size[1], 3], '|u1'));
    await saveGrid(oursBytes, size, path.join(dir, 'ours.png'));
    // reference
    log(`seed ${seed}: training the PyTorch reference`);
    const cfgFile = path.join(dir, 'reference-config.json');
    writeJsonAtomic(cfgFile, config);
    const refDir = path.join(dir, 'reference');
    await runReference(['--config', cfgFile, '--data', trainNpy, '--out', refDir, '--samples', String(nSamples), '--sample-seed', String(seed + 1000)], log);
    const ref = JSON.parse(fs.readFileSync(path.join(refDir, 'result.json'), 'utf8')) as {
      seconds: number; images_per_s: number; torch: string; threads: number; parameters: { generator: number; critic: number };
    };
    // the same architecture has the same number of trainable parameters in each network
    const refParams = [ref.parameters.generator, ref.parameters.critic];
    if (ourParams.join() !== refParams.join()) {
      throw new Error(`parity: the networks differ (trainable parameters, generator/critic: ours ${ourParams.join('/')}, reference ${refParams.join('/')})`);
    }
    parameters = { generator: ourParams[0], critic: ourParams[1] };
    refInfo = { torch: ref.torch, threads: ref.threads };
    const refSamples = parseNpy(fs.readFileSync(path.join(refDir, 'samples.npy')), 'reference samples.npy');
    if (refSamples.shape.join() !== [nSamples, size[0], size[1], 3].join()) {
      throw new UserError(`the reference wrote samples of shape [${refSamples.shape}], expected [${[nSamples, size[0], size[1], 3]}]`);
    }
    await saveGrid(Uint8Array.from(refSamples.data), size, path.join(dir, 'reference.png'));
    // scores
    const oursFid = fidFromStatistics(await statisticsOfBytes(oursBytes, nSamples, size, features), heldStats);
    const refFid = fidFromStatistics(await statisticsOfBytes(refSamples.data, nSamples, size, features), heldStats);
    seeds.push({
      seed,
      ours: { fid: oursFid, seconds: r.seconds, imagesPerSecond: r.imagesPerSecond },
      reference: { fid: refFid, seconds: ref.seconds, imagesPerSecond: ref.images_per_s },
    });
    log(`seed ${seed}: FID ours ${oursFid.toFixed(3)} (${r.seconds.toFixed(1)} s), reference ${refFid.toFixed(3)} (${ref.seconds.toFixed(1)} s)`);
  }
  const side = (k: 'ours' | 'reference') => {
    const m = meanStd(seeds.map((s) => s[k].fid));
    return { mean: m.mean, std: m.std, seconds: seeds.reduce((t, s) => t + s[k].seconds, 0) / seeds.length };
  };
  const report: ParityReport = {
    model: o.model,
    date: new Date().toISOString(),
    data: reportPath(folder.root),
    size,
    steps: o.steps,
    batch,
    config: base,
    split: {
      images: folder.length,
      train: nTrain,
      heldOut: holdout,
      firstHeldOut: folder.files[nTrain],
      rule: 'readable images in natural name order; the last `heldOut` are held out for scoring, the rest trained on',
    },
    samples: nSamples,
    features: held.name,
    featuresDescription: held.description,
    backend,
    reference: { ...refInfo, script: 'scripts/parity/reference_gan.py' },
    parameters,
    floor,
    seeds,
    summary: { ours: side('ours'), reference: side('reference') },
  };
  writeJsonAtomic(path.join(o.out, 'parity.json'), report);
  writeFileAtomic(path.join(o.out, 'parity.md'), parityMarkdown(report));
  fs.rmSync(trainNpy, { force: true });
  return report;
}

async function saveGrid(bytes: Uint8Array, size: [number, number], file: string): Promise<void> {
  const n = Math.min(64, bytes.length / (size[0] * size[1] * 3));
  const per = size[0] * size[1] * 3;
  const unit = bytesToUnit(bytes.subarray(0, n * per));
  const t = tf.tensor4d(unit, [n, size[0], size[1], 3]);
  try {
    await saveImageGrid(t, file, { nrow: 8, minCell: READABLE_CELL });
  } finally {
    t.dispose();
  }
}

const f2 = (x: number) => x.toFixed(2);

/** The table as markdown: FID of ours and of the reference per seed, mean ± std, training time, floor. */
export function parityMarkdown(r: ParityReport): string {
  const opt = (c: TrainConfig['optimizerG']) => `${c.name} ${c.lr}${c.beta1 !== undefined ? ` β1 ${c.beta1}` : ''}`;
  const lines = [
    `**Parity: ${r.model} (ours) vs the PyTorch reference.** ${r.steps} steps of batch ${r.batch} at ${r.size.join('×')}, ` +
      `ngf ${r.config.ngf}, ndf ${r.config.ndf}, nz ${r.config.nz}, ${opt(r.config.optimizerG)}` +
      (r.model === 'wgan' ? `, ${r.config.nCritic} critic steps, clip ±${r.config.clip}` : '') +
      `; trained on the first ${r.split.train} of ${r.split.images} images (name order), FID of ${r.samples} samples against the last ${r.split.heldOut} ` +
      `(held out, from ${r.split.firstHeldOut}); features: ${r.featuresDescription}. Ours: ${r.backend} backend; reference: PyTorch ${r.reference.torch}, ${r.reference.threads} threads. ${r.date.slice(0, 10)}.`,
    '',
    '| seed | FID ours | FID reference | training s, ours | training s, reference |',
    '|---|---|---|---|---|',
    ...r.seeds.map((s) => `| ${s.seed} | ${f2(s.ours.fid)} | ${f2(s.reference.fid)} | ${s.ours.seconds.toFixed(0)} | ${s.reference.seconds.toFixed(0)} |`),
    `| mean ± std | ${f2(r.summary.ours.mean)} ± ${f2(r.summary.ours.std)} | ${f2(r.summary.reference.mean)} ± ${f2(r.summary.reference.std)} | ${r.summary.ours.seconds.toFixed(0)} | ${r.summary.reference.seconds.toFixed(0)} |`,
    '',
    `Real-vs-real floor (first half of the held-out images against the second, ${r.floor.n} each): FID ${f2(r.floor.fid)}.`,
    '',
  ];
  return lines.join('\n');
}
