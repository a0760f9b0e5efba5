import * as cliProgress from 'cli-progress';

export interface Progress {
  /** Advance to `value` and show extra fields (losses, images/s). */
  update(value: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export type ProgressFactory = (label: string, total: number) => Progress;

/** The terminal progress bar (cli-progress); silent when stderr is not a TTY unless forced. */
export const terminalProgress: ProgressFactory = (label, total) => {
  const enabled = Boolean(process.stderr.isTTY) || process.env.ANIME_GAN_PROGRESS === '1';
  if (!enabled || process.env.ANIME_GAN_PROGRESS === '0') return silentProgress(label, total);
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total} ETA {eta_formatted} {info}`,
      stream: process.stderr,
      // The cursor stays visible: a hidden one is restored only by stop(), which a Ctrl-C or
      // kill never reaches, leaving the user's terminal without a cursor.
      hideCursor: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { info: '' });
  return {
    update(value, fields) {
      const info = fields
        ? Object.entries(fields)
            .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
            .join(' ')
        : '';
      bar.update(value, { info });
    },
    stop() {
      bar.stop();
    },
  };
};

export const silentProgress: ProgressFactory = () => ({ update() {}, stop() {} });

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : v.toFixed(a < 1 ? 4 : 2);
}

let current: ProgressFactory = terminalProgress;

/** Notebooks swap in a progress display that updates one output in place. */
export function setProgressFactory(f: ProgressFactory): void {
  current = f;
}

export function progress(label: string, total: number): Progress {
  return current(label, total);
}
