import { expect } from 'chai';
import { buildProgram } from '../../lib/cli/main';

describe('cli/main', () => {
  it('registers every command (none is dropped silently when its module fails to load)', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect(names).to.have.members(['train', 'sample', 'data', 'info', 'fid', 'is', 'kid', 'stats', 'bench', 'bench-all', 'paper', 'grid', 'parity']);
  });
});
