export * from './statistics';
export * from './fid';
export * from './inceptionScore';
export * from './kid';
export * from './npz';
export { NumpyRandomState } from './mt19937';
export { pivotedCholesky, symmetricEigenvalues } from './linalg';
export * from './folderFeatures';
export * from './extractors';
