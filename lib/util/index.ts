export * from './errors';
export * from './atomicWrite';
export * from './rng';
export * from './progress';
export * from './imageGrid';
export * from './projectRoot';
export * from './yieldToEventLoop';
export * from './imageFiles';
