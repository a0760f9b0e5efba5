export * from './dcgan';
export * from './peer';
export * from './all';
export * from './model';
