import type { Command } from 'commander';
import {
  formatFailure,
  formatSeconds,
  formatTimes,
  NotebookError,
  NotebookResult,
  parsePreset,
  runNotebooks,
} from '../../notebook/runNotebooks';
import { ReportedFailure } from '../../util/errors';

/**
 * `anime-gan paper [--preset smoke|quick|paper] [--only 01,03] [--data-root DIR]`: execute the
 * notebooks (notebooks/NN_*.ipynb) in order through the tslab kernel, headless, saving executed
 * copies to notebooks/executed/ and figures to figures/; one progress line per notebook and a
 * table of times at the end. A failing cell stops the run with the notebook, the cell's source
 * and its error.
 */
export function registerPaperCommand(program: Command): Command {
  return program
    .command('paper')
    .description('rerun the paper: execute every notebook top to bottom through the tslab kernel')
    .option('--preset <name>', 'smoke (seconds), quick (laptop CPU) or paper (the paper\'s settings)', 'quick')
    .option('--only <list>', 'only these notebooks, by number, e.g. 01,03')
    .option('--data-root <dir>', 'real data folder (default: the embedded data, or $DATA_ROOT)')
    .option('--figures <dir>', 'where figures go (default: $ANIME_GAN_FIGURES, else figures/; runs/figures-smoke for the smoke preset)')
    .option('--cell-timeout <seconds>', 'fail a cell that runs longer than this (default: no limit)', '0')
    .action(async (o: { preset: string; only?: string; dataRoot?: string; figures?: string; cellTimeout: string }) => {
      const preset = parsePreset(o.preset);
      const only = o.only ? o.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const results: NotebookResult[] = [];
      const tty = Boolean(process.stderr.isTTY);
      try {
        const done = await runNotebooks({
          preset,
          only,
          dataRoot: o.dataRoot,
          figuresDir: o.figures,
          cellTimeoutSec: Number(o.cellTimeout) || 0,
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
        console.log(`\n${formatTimes(done)}`);
      } catch (err) {
        if (err instanceof NotebookError) {
          console.error(`\n${formatFailure(err.result)}`);
          if (results.length) console.error(`\n${formatTimes(results)}`);
          // Thrown, not process.exitCode: the entry point sets the exit code from main()'s result.
          throw new ReportedFailure(1);
        }
        throw err;
      }
    });
}
