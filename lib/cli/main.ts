#!/usr/bin/env node
/**
 * `anime-gan`: the workbook's command line. Each command lives in lib/cli/commands/.
 * Bad input ends with one line naming the problem and a non-zero exit; --verbose adds the stack.
 */
import { Command, CommanderError } from 'commander';
import { isUserError, ReportedFailure } from '../util/errors';
import { registerTrainCommand } from './commands/train';
import { registerSampleCommand } from './commands/sample';
import { registerDataCommands } from './commands/data';
import { registerInfoCommand } from './commands/info';
import { registerMetricsCommands } from './commands/metrics';
import { registerBenchCommands } from './commands/bench';
import { registerPaperCommand } from './commands/paper';
import { registerGridCommands } from './commands/grid';
import { registerParityCommand } from './commands/parity';
import { heapExhaustedError } from '../backend/heapLimit';

export function buildProgram(): Command {
  const program = new Command('anime-gan')
    .description('Sang & Xu (2022) reproduced: DCGAN, WGAN and the proposed cycle model, with IS/FID')
    .option('--backend <name>', 'compute backend: tfjs-node-gpu | tfjs-node | native | wasm | cpu (default: best available; env ANIME_GAN_BACKEND)')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError('(see --help)')
    .exitOverride();
  registerTrainCommand(program);
  registerSampleCommand(program);
  registerDataCommands(program);
  registerInfoCommand(program);
  registerMetricsCommands(program);
  registerBenchCommands(program);
  registerPaperCommand(program);
  registerGridCommands(program);
  registerParityCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ReportedFailure) return err.exitCode;
    err = heapExhaustedError(err) ?? err;
    if (isUserError(err)) {
      process.stderr.write(`anime-gan: ${err.message}\n`);
      if (verbose) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`anime-gan: ${e?.message ?? String(err)}${verbose ? `\n${e?.stack}` : ' (--verbose for details)'}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
