/**
 * anime-gan-workbook: the library behind the notebooks and the `anime-gan` command.
 * One home per paper concept: models (dcgan, wgan, resnetGenerator, patchgan, cycle), losses,
 * data, training, metrics (fid, inceptionScore, kid), compute backends.
 */
export * from './util';
export * from './backend';
export * from './models';
export * from './losses';
export * from './data';
export * from './train';
export * from './metrics';
export * from './presets';
export * from './paper';
export * from './divergences';
export * from './notebook';
export * from './grid';
