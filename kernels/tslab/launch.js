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
// ANIME_GAN_KERNEL_WATCH_ALL=1 keeps tslab's own watching (its test shows what that does).
if (!process.env.ANIME_GAN_KERNEL_WATCH_ALL) watchOnlyTheNotebookFolder(path.dirname(path.dirname(tslabMain)));
require(tslabMain).main();

// tslab's type checker watches every file it read (the library's and tfjs's .d.ts files, folders
// where module lookups failed) and, on a change, schedules a recompile in a one-slot timer; a
// second change of another kind before the next cell throws "Unexpected pending rebuildTimer" in a
// timer and kills the kernel. Rebuilding the library, `cp -al node_modules` or a git checkout while
// a notebook ran did that, mid-training. Watch only the notebook's own folder (a local .ts helper
// edited there is still picked up); a rebuilt library is seen after a kernel restart, as in Python.
function watchOnlyTheNotebookFolder(tslabDir) {
  const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
  const here = path.resolve(process.cwd());
  const local = (p) => {
    const r = path.relative(here, path.resolve(p));
    return r !== '' && !r.startsWith('..') && !path.isAbsolute(r) && !r.split(path.sep).includes('node_modules');
  };
  const none = { close() {} };
  const { watchFile, watchDirectory } = ts.sys;
  ts.sys.watchFile = (p, ...rest) => (local(p) ? watchFile.call(ts.sys, p, ...rest) : none);
  ts.sys.watchDirectory = (p, ...rest) => (local(p) ? watchDirectory.call(ts.sys, p, ...rest) : none);
}

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
