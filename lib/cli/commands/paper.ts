import type { Command } from 'commander';
import * as path from 'path';
import { initBackend } from '../../backend';
import { NotebookParameters, parseParameterPairs, planParameters, readParameterFile } from '../../notebook/parameters';
import { writeReport } from '../../notebook/report';
import {
  defaultFiguresDir,
  formatFailure,
  formatSeconds,
  formatTimes,
  listNotebooks,
  NotebookError,
  NotebookResult,
  parsePreset,
  projectRoot,
  runNotebooks,
} from '../../notebook/runNotebooks';
import { ReportedFailure } from '../../util/errors';
import { collectRepeated } from '../params';

/**
 * `anime-gan paper [--preset smoke|quick|workstation|paper] [--only 01,03] [--data-root DIR] [-p name=value]
 * [-f params.json|yaml]`: execute the notebooks (notebooks/NN_*.ipynb) in order through the tslab
 * kernel, headless, saving executed copies to notebooks/executed/ and figures to figures/; one
 * progress line per notebook and a table of times at the end. A failing cell stops the run with
 * the notebook, the cell's source and its error.
 *
 * `-p`/`-f` pass parameters as papermill does: an `injected-parameters` cell after each
 * notebook's `parameters` cell in its executed copy (lib/notebook/parameters.ts). The executed
 * copies are then written as an HTML report, notebooks/executed/report/index.html.
 */
export function registerPaperCommand(program: Command): Command {
  return program
    .command('paper')
    .description('rerun the paper: execute every notebook top to bottom through the tslab kernel')
    .option('--preset <name>', 'smoke (seconds), quick (laptop CPU), workstation (the real data in about 100 minutes) or paper (the paper\'s settings)', 'quick')
    .option('--only <list>', 'only these notebooks, by number, e.g. 01,03')
    .option('--data-root <dir>', 'real data folder (default: the embedded data, or $DATA_ROOT)')
    .option('--figures <dir>', 'where figures go (default: $ANIME_GAN_FIGURES, else figures/; runs/figures-smoke for smoke; figures/real-workstation for workstation on real data)')
    .option('--cell-timeout <seconds>', 'fail a cell that runs longer than this (default: no limit)', '0')
    .option('-p, --parameter <name=value>', 'a notebook parameter: a variable of the settings cell or a training setting (papermill-style; repeatable)', collectRepeated, [])
    .option('-f, --parameters-file <file>', 'parameters from a JSON or YAML file (-p wins)')
    .option('--report <dir>', 'where the HTML report goes (default: notebooks/executed/report)')
    .option('--no-report', 'do not write the HTML report')
    .action(async (o: PaperOptions) => {
      const preset = parsePreset(o.preset);
      const only = o.only ? o.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const root = projectRoot();
      const given: NotebookParameters = { ...(o.parametersFile ? readParameterFile(o.parametersFile) : {}), ...parseParameterPairs(o.parameter) };
      // Every name and value is checked against the notebooks of this run before the first one starts.
      const parameters = planParameters(given, listNotebooks(path.join(root, 'notebooks'), only), preset);
      if (Object.keys(given).length) console.error(`parameters: ${JSON.stringify(given)}`);
      const results: NotebookResult[] = [];
      const tty = Boolean(process.stderr.isTTY);
      const startedAt = new Date();
      let failure: NotebookError | null = null;
      try {
        await runNotebooks({
          preset,
          only,
          dataRoot: o.dataRoot,
          figuresDir: o.figures,
          cellTimeoutSec: Number(o.cellTimeout) || 0,
          parameters,
          onStart: (nb, i, n) => {
            const line = `[${i + 1}/${n}] ${nb} (preset ${preset}) ...`;
            if (tty) process.stderr.write(line);
            else console.error(line);
          },
          onCell: (nb, c, n, s) => {
            if (tty) process.stderr.write(`\r\x1b[K  ${nb}: cell ${c}/${n} (${formatSeconds(s)})`);
          },
          onEnd: (r) => {
            results.push(r);
            const line = `${r.ok ? 'done' : 'FAILED'} ${r.name} in ${formatSeconds(r.seconds)}`;
            if (tty) process.stderr.write(`\r\x1b[K${line}\n`);
            else console.error(line);
          },
        });
      } catch (err) {
        if (!(err instanceof NotebookError)) throw err;
        failure = err;
      }
      const seconds = (Date.now() - startedAt.getTime()) / 1000;
      if (o.report !== false && results.length) {
        // The report shows what ran, also up to a failure.
        const backend = await initBackend({ quiet: true });
        const index = writeReport({
          results,
          outDir: path.resolve(typeof o.report === 'string' ? o.report : path.join(path.dirname(results[0].executedPath), 'report')),
          figuresDir: path.resolve(o.figures || process.env.ANIME_GAN_FIGURES || defaultFiguresDir(preset, o.dataRoot ?? process.env.DATA_ROOT)),
          preset,
          parameters: given,
          dataRoot: o.dataRoot ?? process.env.DATA_ROOT,
          backend: backend.name,
          startedAt,
          seconds,
          projectRoot: root,
        });
        console.error(`report: ${index}`);
      }
      if (failure) {
        console.error(`\n${formatFailure(failure.result)}`);
        if (results.length) console.error(`\n${formatTimes(results)}`);
        // Thrown, not process.exitCode: the entry point sets the exit code from main()'s result.
        throw new ReportedFailure(1);
      }
      console.log(`\n${formatTimes(results)}`);
    });
}

interface PaperOptions {
  preset: string;
  only?: string;
  dataRoot?: string;
  figures?: string;
  cellTimeout: string;
  parameter: string[];
  parametersFile?: string;
  /** A folder, or false for --no-report (commander's negatable option), true by default. */
  report: string | boolean;
}
