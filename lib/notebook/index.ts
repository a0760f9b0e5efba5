// Library side of the notebooks: headless runner, display helpers (safe outside a kernel),
// plotly plots, the notebook environment, and toy models used by notebook 01.
export * from './runNotebooks';
export * from './display';
export * from './plot';
export * from './env';
export * from './toyDiscriminator';
export * from './svgPlot';
