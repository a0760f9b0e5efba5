/**
 * What a model is, beside its networks: the traits the trainer, the command line, the paper's
 * experiments and the metrics read instead of checking the model's name. Each recipe file
 * declares its own; registry.ts lists them.
 */
import type { ModelName, TrainConfig } from '../../presets';
import type { Domain } from '../trainingData';
import type { NoiseGanModel, TranslationGanModel } from '../ganModel';

/** How a critic is kept 1-Lipschitz (eq. (8)): weight clipping, a gradient penalty, or not at all (a GAN discriminator). */
export type LipschitzConstraint = 'clip' | 'penalty' | 'none';

interface RecipeBase {
  readonly name: ModelName;
  /** Fail early, with one line, on a size the model's networks cannot take (before any data is read). */
  validate(config: TrainConfig): void;
  /** Critic (discriminator) updates per generator update. */
  criticSteps(config: TrainConfig): number;
  /** Real images of domain A one training step reads: the unit of its images/s. */
  imagesPerStep(config: TrainConfig): number;
  lipschitz(config: TrainConfig): LipschitzConstraint;
}

/** A model that samples from noise, trained on one domain (any data set). */
export interface NoiseRecipe extends RecipeBase {
  readonly conditional: false;
  create(config: TrainConfig): NoiseGanModel;
}

/** A model that translates between two domains, trained on both (unpaired). */
export interface TranslationRecipe extends RecipeBase {
  readonly conditional: true;
  /** The embedded data sets of domains A and B (G: A→B, F: B→A). */
  readonly domains: { readonly a: Domain; readonly b: Domain };
  create(config: TrainConfig): TranslationGanModel;
}

export type Recipe = NoiseRecipe | TranslationRecipe;
