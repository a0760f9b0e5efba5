export * from './manifest';
export * from './slurm';
export * from './status';
export * from './collect';
