import { expect } from 'chai';
import { heapExhaustedError } from '../../lib/backend/heapLimit';
import { UserError } from '../../lib/util/errors';

describe('backend/heapLimit: a full WebAssembly heap is one clear line', () => {
  it('explains the wasm runtime failures on the wasm and native backends', () => {
    for (const backend of ['wasm', 'native']) {
      for (const msg of ['memory access out of bounds', 'Aborted()', 'Cannot enlarge memory arrays']) {
        const e = heapExhaustedError(new Error(msg), backend);
        expect(e, `${backend}: ${msg}`).to.be.instanceOf(UserError);
        expect(e!.message).to.include('4 GB').and.include('--batch').and.include(backend);
        expect(e!.message).to.not.include('\n');
      }
    }
  });

  it('leaves other errors, other backends and errors already explained alone', () => {
    expect(heapExhaustedError(new Error('shapes do not match'), 'native')).to.equal(null);
    expect(heapExhaustedError(new Error('memory access out of bounds'), 'cpu')).to.equal(null);
    expect(heapExhaustedError(new UserError('out of memory, explained'), 'wasm')).to.equal(null);
  });
});
