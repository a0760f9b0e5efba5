export * from './batchStream';
export * from './checkpoint';
export * from './ganModel';
export * from './optimizers';
export * from './runFolder';
export * from './trainer';
export { MODEL_REGISTRY, createModel, validateConfig } from './recipes/registry';
export * from './trainingData';
