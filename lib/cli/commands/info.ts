import { Command } from 'commander';
import * as os from 'os';
import { backendInfo } from '../../backend';
import { globalOptions } from '../context';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('the compute backend in use, its threads, and versions')
    .option('--json', 'print JSON')
    .action(async (o, cmd: Command) => {
      const info = await backendInfo({ backend: globalOptions(cmd).backend });
      const all = { ...info, node: process.version, cpus: os.cpus().length, platform: `${process.platform}-${process.arch}` };
      if (o.json) {
        console.log(JSON.stringify(all, null, 2));
        return;
      }
      console.log(`backend: ${info.name} (${info.threads} threads)`);
      for (const s of info.skipped ?? []) console.log(`  skipped ${s.name}: ${s.reason}`);
      console.log(`node ${process.version}, ${all.cpus} CPUs, ${all.platform}`);
      for (const [k, v] of Object.entries(info.versions ?? {})) console.log(`  ${k} ${v}`);
    });
}
