export * from './experiments';
export * from './table1';
export * from './figure1';
export * from './table1Features';
export * from './figures';
export * from './translationMeasures';
