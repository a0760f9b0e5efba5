import { main } from '../../lib/cli/main';

/** Run `anime-gan ARGS` in this process; its exit code and what it wrote to stderr. */
export async function runCli(...args: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  };
  try {
    const code = await main(['node', 'anime-gan', ...args]);
    return { code, stderr };
  } finally {
    (process.stderr as { write: unknown }).write = write;
  }
}
