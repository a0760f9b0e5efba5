import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readAnimeTags, tagCounts } from '../../lib/data/tags';
import { UserError } from '../../lib/util';

describe('data/tags', () => {
  it('parses file,hair,eye with empty cells as null, from a root, folder or file', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tags-test-'));
    try {
      const dir = path.join(root, 'anime-faces-96');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'tags.csv'), 'file,hair,eye\n1.jpg,pink,blue\n2.jpg,,\n3.jpg,pink,red\n');
      const tags = readAnimeTags(root);
      expect(tags).to.deep.equal([
        { file: '1.jpg', hair: 'pink', eye: 'blue' },
        { file: '2.jpg', hair: null, eye: null },
        { file: '3.jpg', hair: 'pink', eye: 'red' },
      ]);
      expect(readAnimeTags(dir)).to.deep.equal(tags);
      expect(readAnimeTags(path.join(dir, 'tags.csv'))).to.deep.equal(tags);
      expect(tagCounts(tags, 'hair')).to.deep.equal([['pink', 2]]);
      expect(() => readAnimeTags(path.join(root, 'missing'))).to.throw(UserError, /anime tags not found/);
      fs.writeFileSync(path.join(dir, 'tags.csv'), 'file,hair,eye\n1.jpg,pink\n');
      expect(() => readAnimeTags(root)).to.throw(UserError, /line 2/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  describe('real data (DATA_ROOT)', () => {
    before(function () {
      if (!process.env.DATA_ROOT) {
        console.log('      skipped: DATA_ROOT not set');
        this.skip();
      }
    });
    it('reads the 5,073 tagged anime faces', () => {
      const tags = readAnimeTags(process.env.DATA_ROOT!);
      expect(tags).to.have.length(5073);
      expect(tagCounts(tags, 'hair').length).to.be.within(10, 12);
      expect(tagCounts(tags, 'eye').length).to.be.within(10, 12);
      expect(fs.existsSync(path.join(process.env.DATA_ROOT!, 'anime-faces-96', 'images', tags[0].file))).to.equal(true);
    });
  });
});
