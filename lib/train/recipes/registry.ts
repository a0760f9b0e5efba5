import type { ModelName, TrainConfig } from '../../presets';
import type { GanModel } from '../ganModel';
import { createDcgan } from './dcgan';
import { createWgan } from './wgan';
import { createProposed } from './proposed';

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
