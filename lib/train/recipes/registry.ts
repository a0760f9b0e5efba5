import type { ModelName, TrainConfig } from '../../presets';
import type { GanModel } from '../ganModel';
import { createDcgan } from './dcgan';
import { createWgan } from './wgan';
import { createProposed } from './proposed';
import { dcganLayout } from '../../models/dcgan';
import { checkResnetSize } from '../../models/resnetGenerator';
import { checkPatchGanSize } from '../../models/patchgan';

/** Models by name: adding one is one file in recipes/ and one line here. */
export const MODEL_REGISTRY: Record<ModelName, (config: TrainConfig) => GanModel> = {
  dcgan: createDcgan,
  wgan: createWgan,
  'wgan-gp': createWgan,
  proposed: createProposed,
};

export function createModel(config: TrainConfig): GanModel {
  return MODEL_REGISTRY[config.model](config);
}

/** Fail early, with one line, on a size the model's networks cannot take (before any data is read). */
export function validateConfig(config: TrainConfig): void {
  if (config.model === 'proposed') {
    checkResnetSize(config.size, 'proposed (resnet generator)');
    checkPatchGanSize(config.size, 'proposed (patchgan)');
  } else {
    dcganLayout(config.size, config.model);
  }
}
