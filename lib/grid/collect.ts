/**
 * Table 1 and the sample figures from whichever runs of a grid are finished, written into the grid
 * folder (never the project's figures/ unless asked). Table 1 is lib/paper/table1.ts's, scored
 * as notebook 06 scores it; runs not finished are left out and named.
 */
import { computeTable1, Table1Result, writeTable1, table1Markdown } from '../paper/table1';
import { table1Features } from '../paper/table1Features';
import { experimentData, PAPER_DATASETS, PaperDataset } from '../paper/experiments';
import { noiseSampleFigures, translationFigures } from '../paper/figures';
import { writeFileAtomic } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { GridManifest, GridRun, runProgress } from './manifest';

export interface CollectResult {
  table: { md: string; json: string };
  result: Table1Result;
  finished: GridRun[];
  missing: GridRun[];
  figures: string[];
}

export async function collectGrid(m: GridManifest, outDir: string): Promise<CollectResult> {
  const finished = m.runs.filter((r) => runProgress(r).done);
  const missing = m.runs.filter((r) => !finished.includes(r));
  if (!finished.length) throw new UserError(`no run of the grid has finished yet (${m.runs.length} planned): see \`anime-gan grid status\``);
  const find = (model: string, dataset: PaperDataset, seed: number) =>
    finished.find((r) => r.model === model && r.seed === seed && (r.dataset === dataset || r.dataset === experimentData(r.model, dataset).label));

  const features = await table1Features({
    dataRoot: m.dataRoot,
    runsDir: m.runsDir,
    classifierImages: m.table.classifierImages,
    classifierEpochs: m.table.classifierEpochs,
  });
  let result: Table1Result;
  try {
    result = await computeTable1({
      preset: m.preset,
      dataRoot: m.dataRoot,
      runsDir: m.runsDir,
      overrides: m.overrides,
      limit: m.limit,
      seeds: m.seeds,
      evalCount: m.table.evalCount,
      fidExtractor: features.fid,
      isExtractors: features.is,
      runDir: async (model, dataset, seed) => find(model, dataset, seed)?.dir,
    });
  } finally {
    features.dispose();
  }
  const files = writeTable1(result, outDir);
  if (missing.length) {
    // Say in the table itself that it is partial: its caption names every planned seed.
    const note = `\n**Missing runs.** ${missing.length} of ${m.runs.length} runs had not finished when this table was written; their cells are left out: ${missing.map((r) => r.name).join(', ')}.\n`;
    writeFileAtomic(files.md, table1Markdown(result) + note);
  }
  const figures = await sampleFigures(finished, outDir);
  return { table: files, result, finished, missing, figures };
}

/**
 * Figures 3–5 as notebooks 03–05 draw them (lib/paper/figures.ts), from the first finished seed
 * of each run.
 */
export async function sampleFigures(finished: GridRun[], outDir: string): Promise<string[]> {
  const written: string[] = [];
  const first = (model: string, dataset: string) =>
    finished.filter((r) => r.model === model && r.dataset === dataset).sort((a, b) => a.seed - b.seed)[0];
  for (const [model, figure, title] of [['dcgan', 'figure3', 'Figure 3 (DCGAN)'], ['wgan', 'figure4', 'Figure 4 (WGAN)']] as const) {
    const runs: Record<string, string> = {};
    for (const dataset of PAPER_DATASETS) {
      const run = first(model, dataset);
      if (run) runs[dataset] = run.dir;
    }
    for (const f of await noiseSampleFigures(runs, figure, { title, figures: outDir })) written.push(f.file);
  }
  const cycle = first('proposed', experimentData('proposed', 'anime').label);
  if (cycle) {
    const { a2b, b2a } = await translationFigures(cycle.dir, { figures: outDir });
    written.push(a2b.file, b2a.file);
  }
  return written;
}
