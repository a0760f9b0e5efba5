export * from './batchStream';
export * from './checkpoint';
export * from './ganModel';
export * from './optimizers';
export * from './runFolder';
export * from './trainer';
export { RECIPES, recipeOf, createModel, validateConfig } from './recipes/registry';
export type { LipschitzConstraint, NoiseRecipe, Recipe, TranslationRecipe } from './recipes/recipe';
export * from './trainingData';
