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
serializeZeromqSends(path.dirname(path.dirname(tslabMain)));
require(tslabMain).main();

// tslab sends every Jupyter message without awaiting the previous send. zeromq.js 6 resolves at
// most 512 sends in a row synchronously and defers the next one to the event loop; a further send
// before that deferred one completes throws EBUSY ("Socket is busy writing"), which kills the
// kernel or fails the cell. A notebook with progress bars sends thousands of messages, so sooner
// or later two land in the same tick. Queue each socket's sends instead (order is kept), and let
// the output socket queue without limit: at its default high-water mark of 1000 a publisher drops
// messages, and a dropped "idle" status would hang the front end.
function serializeZeromqSends(tslabDir) {
  const zmq = require(require.resolve('zeromq', { paths: [tslabDir] }));
  const Publisher = zmq.Publisher;
  zmq.Publisher = class UnboundedPublisher extends Publisher {
    constructor(options) {
      super({ sendHighWaterMark: 0, ...options });
    }
  };
  let proto = zmq.Publisher.prototype;
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'send')) proto = Object.getPrototypeOf(proto);
  if (!proto) return;
  const send = proto.send;
  const tails = new WeakMap();
  Object.defineProperty(proto, 'send', {
    configurable: true,
    writable: false,
    value: function queuedSend(...args) {
      const next = (tails.get(this) || Promise.resolve()).then(() => send.apply(this, args));
      tails.set(this, next.catch(() => undefined));
      return next;
    },
  });
}
