export * from './types';
export * from './defaults';
export * from './batching';
export * from './registry';
export * from './inceptionV3Fid';
export * from './nsfwjsProxy';
