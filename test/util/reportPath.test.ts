import { expect } from 'chai';
import * as path from 'path';
import { reportPath } from '../../lib/util/projectRoot';

describe('reportPath: what a committed report records of a data folder', function () {
  it('names folders under DATA_ROOT by $DATA_ROOT, and leaves others absolute', function () {
    expect(reportPath('/data/sets/anime-faces-96/images', '/data/sets')).to.equal('$DATA_ROOT/anime-faces-96/images');
    expect(reportPath('/data/sets/', '/data/sets')).to.equal('$DATA_ROOT');
    expect(reportPath('/data/other/x', '/data/sets')).to.equal('/data/other/x');
    expect(reportPath('/data/sets-2/x', '/data/sets')).to.equal('/data/sets-2/x');
    expect(reportPath('relative/x', undefined)).to.equal(path.resolve('relative/x'));
  });
});
