#!/usr/bin/env node
// Start the project's own tslab (node_modules/tslab) as a Jupyter kernel, so the notebooks run
// with the tslab version in package-lock.json and no `tslab install` is needed. Found by Jupyter
// through JUPYTER_PATH=<project root> (kernels/tslab/kernel.json), set by scripts/jupyter.sh and by
// `anime-gan paper`.
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..', '..');
const tslabMain = path.join(root, 'node_modules', 'tslab', 'dist', 'main.js');
if (!fs.existsSync(tslabMain)) {
  console.error(`anime-gan-workbook kernel: ${tslabMain} is missing; run \`npm ci\` in ${root}`);
  process.exit(1);
}
if (!fs.existsSync(path.join(root, 'dist', 'lib', 'index.js'))) {
  console.error(`anime-gan-workbook kernel: the library is not built (dist/ missing); run \`npm run build\` in ${root}`);
}
require(tslabMain).main();
