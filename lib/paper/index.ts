export * from './experiments';
export * from './table1';
