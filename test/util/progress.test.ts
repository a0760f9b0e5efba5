import { expect } from 'chai';
import { terminalProgress } from '../../lib/util/progress';

describe('util/progress', () => {
  it('never hides the terminal cursor (an interrupted bar could not restore it)', () => {
    const stream = process.stderr as unknown as { isTTY?: boolean; write: unknown };
    const { isTTY, write } = stream;
    let written = '';
    const forced = process.env.ANIME_GAN_PROGRESS;
    process.env.ANIME_GAN_PROGRESS = '1';
    stream.isTTY = true;
    stream.write = (chunk: string | Uint8Array) => ((written += chunk.toString()), true);
    try {
      const bar = terminalProgress('train', 10);
      bar.update(3, { loss: 0.5 });
      // No stop(): as when the process is interrupted.
      expect(written).to.include('train [');
      expect(written).to.not.include('\x1b[?25l');
      bar.stop();
    } finally {
      stream.isTTY = isTTY;
      if (forced === undefined) delete process.env.ANIME_GAN_PROGRESS;
      else process.env.ANIME_GAN_PROGRESS = forced;
      stream.write = write;
    }
  });
});
