import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatFailure, formatSeconds, formatTimes, listNotebooks, NotebookResult, parsePreset, projectRoot } from '../../lib/notebook/runNotebooks';
import { UserError } from '../../lib/util/errors';

describe('notebook/runNotebooks (without a kernel)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-gan-nblist-'));
  for (const f of ['02_b.ipynb', '01_a.ipynb', '10_c.ipynb', 'scratch.ipynb', '03_d.txt']) fs.writeFileSync(path.join(dir, f), '{}');

  it('lists NN_*.ipynb in order and filters by number or name', () => {
    expect(listNotebooks(dir).map((f) => path.basename(f))).to.deep.equal(['01_a.ipynb', '02_b.ipynb', '10_c.ipynb']);
    expect(listNotebooks(dir, ['10', '1']).map((f) => path.basename(f))).to.deep.equal(['01_a.ipynb', '10_c.ipynb']);
    expect(listNotebooks(dir, ['02_b']).map((f) => path.basename(f))).to.deep.equal(['02_b.ipynb']);
    expect(() => listNotebooks(dir, ['07'])).to.throw(UserError, /no notebook matches "07"/);
  });

  it('validates the preset', () => {
    expect(parsePreset(undefined)).to.equal('quick');
    expect(parsePreset('smoke')).to.equal('smoke');
    expect(() => parsePreset('fast')).to.throw(UserError, /unknown preset "fast"/);
  });

  it('finds the project root and the kernel spec', () => {
    const root = projectRoot();
    const spec = JSON.parse(fs.readFileSync(path.join(root, 'kernels', 'tslab', 'kernel.json'), 'utf8'));
    expect(spec.argv).to.include('{connection_file}');
    expect(fs.existsSync(path.join(root, 'kernels', 'tslab', 'launch.js'))).to.equal(true);
  });

  it('names the notebook and cell and shows source and message on failure', () => {
    const r: NotebookResult = {
      name: '01_a.ipynb', path: '/x/01_a.ipynb', executedPath: '/x/executed/01_a.ipynb', ok: false, seconds: 2, cells: [], signed: false,
      error: { cell: 4, codeCell: 2, source: 'const a = 1;\nthrow new Error("boom")', stderr: 'Error: boom\n    at x', ename: 'CellExecutionError', evalue: '', timeout: false },
    };
    const msg = formatFailure(r);
    expect(msg).to.include('01_a.ipynb, code cell 2 (cell index 4) failed');
    expect(msg).to.include('   2 | throw new Error("boom")');
    expect(msg).to.include('Error: boom');
    expect(formatTimes([{ ...r, ok: true, error: null }])).to.match(/01_a\.ipynb\s+ok\s+2\.0 s/);
  });
});

describe('notebook/runNotebooks formatSeconds', () => {
  it('rounds without showing 60 s', () => {
    expect(formatSeconds(12.34)).to.equal('12.3 s');
    expect(formatSeconds(179.7)).to.equal('3 min 0 s');
    expect(formatSeconds(59.97)).to.equal('1 min 0 s');
    expect(formatSeconds(3725)).to.equal('1 h 2 min');
  });
});
