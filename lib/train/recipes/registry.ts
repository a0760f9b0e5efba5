/**
 * Every model by name, with its traits (recipe.ts): adding a model is one file in recipes/ and
 * one line here. Nothing outside recipes/ checks a model's name; it asks its recipe.
 */
import type { ModelName, TrainConfig } from '../../presets';
import type { GanModel } from '../ganModel';
import type { Recipe } from './recipe';
import { dcgan } from './dcgan';
import { wgan, wganGp } from './wgan';
import { proposed } from './proposed';

export const RECIPES: Readonly<Record<ModelName, Recipe>> = {
  dcgan,
  wgan,
  'wgan-gp': wganGp,
  proposed,
};

export function recipeOf(model: ModelName): Recipe {
  return RECIPES[model];
}

/** Fail early, with one line, on a size the model's networks cannot take (before any data is read). */
export function validateConfig(config: TrainConfig): void {
  recipeOf(config.model).validate(config);
}

/** The model `config` names, with fresh networks and optimizers (after checking the config). */
export function createModel(config: TrainConfig): GanModel {
  const recipe = recipeOf(config.model);
  recipe.validate(config);
  return recipe.create(config);
}
