// Every test's temporary files go under one folder per mocha run (TMPDIR, which os.tmpdir() and
// child processes read), removed when mocha exits, also after a failed compile: the suite left
// ~1,300 folders in /tmp before. ANIME_GAN_KEEP_TEST_TMP=1 keeps it (its path is printed) to look
// at what a failing test wrote.
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-gan-test-'));
process.env.TMPDIR = root;

process.once('exit', () => {
  if (process.env.ANIME_GAN_KEEP_TEST_TMP === '1') {
    console.log(`  test files kept in ${root}`);
    return;
  }
  try {
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    // A folder still mounted (a tmpfs test that failed to unmount) stays; say so.
    console.log(`  could not remove ${root}: ${e.message}`);
  }
});
