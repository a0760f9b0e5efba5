export * from './synth';
export * from './csv';
export * from './preprocess';
export * from './imageFolder';
export * from './tags';
export * from './download';
export * from './registry';
export * from './unpack';
