import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { progress, UserError } from '../util';

export interface DownloadOptions {
  /** expected SHA-256 (hex); a mismatch removes the partial file and throws UserError */
  sha256?: string;
  /** expected MD5 (hex), for data sets that only publish MD5 (torchvision's CelebA list) */
  md5?: string;
  /** called as bytes arrive; without it a progress bar (lib/util progress) is shown */
  onProgress?: (received: number, total: number | undefined) => void;
  /** how many times an interrupted transfer is resumed automatically; default 3 */
  retries?: number;
  /** extra request headers */
  headers?: Record<string, string>;
  /**
   * inspects the complete part file before the checksum (e.g. refuses an HTML page served in
   * place of the file); when it throws, the part file is removed and the error passed on
   */
  checkContent?: (file: string) => void | Promise<void>;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** true when some bytes came from an earlier, interrupted transfer (HTTP Range) */
  resumed: boolean;
  /** true when dest already existed (and matched the checksum, if one was given) */
  existing: boolean;
}

/** SHA-256 and MD5 of a file, streamed. */
export async function fileDigests(file: string): Promise<{ sha256: string; md5: string }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  for await (const chunk of fs.createReadStream(file)) {
    sha.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('hex') };
}

class RetryableError extends Error {}

/**
 * Download `url` to `dest` with Node's fetch. Bytes go to `dest.part`; an interrupted transfer
 * (this run or an earlier one) resumes from the part file's length with an HTTP Range request.
 * When the server ignores Range (200 instead of 206) the part file is restarted. After the last
 * byte the checksum is verified (mismatch: part file removed, UserError) and the part file is
 * renamed to `dest` (atomic on one file system), so `dest` exists only when complete.
 */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const want = { sha256: opts.sha256?.toLowerCase(), md5: opts.md5?.toLowerCase() };
  if (fs.existsSync(dest)) {
    const d = await fileDigests(dest);
    checkDigests(d, want, dest, `${dest} exists but does not match the expected checksum; delete it to download again`);
    return { path: dest, bytes: fs.statSync(dest).size, sha256: d.sha256, resumed: false, existing: true };
  }
  fs.mkdirSync(path.dirname(path.resolve(dest)), { recursive: true });
  const part = `${dest}.part`;
  const retries = opts.retries ?? 3;
  let resumed = false;
  let bar: ReturnType<typeof progress> | undefined;
  const report = (received: number, total: number | undefined) => {
    if (opts.onProgress) return opts.onProgress(received, total);
    if (total === undefined) return;
    bar ??= progress(`download ${path.basename(dest)}`, total);
    bar.update(received);
  };

  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const complete = await transfer(url, part, opts.headers ?? {}, report, () => (resumed = true));
        if (complete) break;
        throw new RetryableError('connection closed before the last byte');
      } catch (err) {
        if (!(err instanceof RetryableError) && !isNetworkError(err)) throw err;
        if (attempt >= retries) {
          const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
          throw new UserError(
            `download of ${url} interrupted after ${have} bytes (${(err as Error).message}); run again to resume from ${part}`,
          );
        }
      }
    }
  } finally {
    bar?.stop();
  }

  let d: { sha256: string; md5: string };
  try {
    await opts.checkContent?.(part);
    d = await fileDigests(part);
    checkDigests(d, want, dest, '');
  } catch (err) {
    fs.rmSync(part, { force: true });
    throw err;
  }
  fs.renameSync(part, dest);
  return { path: dest, bytes: fs.statSync(dest).size, sha256: d.sha256, resumed, existing: false };
}

function checkDigests(
  got: { sha256: string; md5: string },
  want: { sha256?: string; md5?: string },
  dest: string,
  existingMessage: string,
): void {
  for (const k of ['sha256', 'md5'] as const) {
    const w = want[k];
    if (w && w !== got[k]) {
      throw new UserError(
        existingMessage ||
          `checksum mismatch for ${dest}: expected ${k} ${w}, got ${got[k]}; the partial download was removed`,
      );
    }
  }
}

function isNetworkError(err: unknown): boolean {
  if (err instanceof UserError) return false;
  const e = err as { name?: string; cause?: { code?: string } };
  // undici reports a reset body as TypeError('terminated') or a socket error in `cause`
  return e?.name === 'TypeError' || Boolean(e?.cause?.code) || (err as Error)?.message === 'terminated';
}

/** One request; returns true when the part file holds the whole resource. */
async function transfer(
  url: string,
  part: string,
  headers: Record<string, string>,
  report: (received: number, total: number | undefined) => void,
  markResumed: () => void,
): Promise<boolean> {
  let offset = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const res = await fetch(url, {
    headers: offset > 0 ? { ...headers, Range: `bytes=${offset}-` } : headers,
    redirect: 'follow',
  });
  if (res.status === 416 && offset > 0) {
    // nothing left to send: the part file is already complete if its length is the total
    const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]);
    await res.body?.cancel();
    if (total === offset) return true;
    fs.rmSync(part, { force: true });
    throw new RetryableError(`server refused the resume range (416), restarting`);
  }
  if (res.status >= 500) {
    await res.body?.cancel();
    throw new RetryableError(`HTTP ${res.status}`);
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    throw new UserError(`download failed: HTTP ${res.status} ${res.statusText} for ${url}`);
  }
  let total: number | undefined;
  if (res.status === 206) {
    const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== offset) {
      await res.body?.cancel();
      fs.rmSync(part, { force: true });
      throw new RetryableError(`unexpected Content-Range "${res.headers.get('content-range')}", restarting`);
    }
    if (m[3] !== '*') total = Number(m[3]);
    if (offset > 0) markResumed();
  } else {
    offset = 0; // the server ignored Range (or there was none): start over
    const len = res.headers.get('content-length');
    if (len !== null) total = Number(len);
  }
  const fh = await fs.promises.open(part, offset > 0 ? 'a' : 'w');
  let received = offset;
  try {
    report(received, total);
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await fh.write(chunk);
        received += chunk.length;
        report(received, total);
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return total === undefined || received === total;
}
