import * as path from 'path';
import { UserError } from '../util/errors';
import { figuresDir } from './plot';
import { NOTEBOOK_PRESETS, NotebookPreset } from './runNotebooks';

export interface NotebookEnv {
  /** ANIME_GAN_PRESET: smoke (seconds), quick (default, laptop CPU), workstation (real data, ~100 min), paper (the paper's settings). */
  preset: NotebookPreset;
  /** Where figures go: ANIME_GAN_FIGURES, else <project>/figures (runs/figures-smoke for the smoke preset). */
  figures: string;
  /** DATA_ROOT (absolute), or null for the embedded data. */
  dataRoot: string | null;
  /**
   * The value for the current preset: `pick({ smoke: 50, quick: 2000, paper: 20000 })`; the
   * workstation preset takes quick's value unless given (its training settings are its own).
   */
  pick<T>(byPreset: Record<Exclude<NotebookPreset, 'workstation'>, T> & { workstation?: T }): T;
}

/**
 * The settings a notebook reads from its environment (set by `anime-gan paper` and
 * scripts/jupyter.sh), for its one hyperparameter cell at the top.
 */
export function notebookEnv(): NotebookEnv {
  const raw = process.env.ANIME_GAN_PRESET || 'quick';
  if (!(NOTEBOOK_PRESETS as readonly string[]).includes(raw)) {
    throw new UserError(`ANIME_GAN_PRESET="${raw}" is not a preset (use ${NOTEBOOK_PRESETS.join(', ')})`);
  }
  const preset = raw as NotebookPreset;
  return {
    preset,
    figures: figuresDir(),
    dataRoot: process.env.DATA_ROOT ? path.resolve(process.env.DATA_ROOT) : null,
    pick: (byPreset) => (preset === 'workstation' ? (byPreset.workstation ?? byPreset.quick) : byPreset[preset]),
  };
}
