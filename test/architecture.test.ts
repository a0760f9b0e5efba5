import * as path from 'path';
import { expect } from 'chai';
import madge from 'madge';

const LIB = path.join(__dirname, '..', 'lib');

/** lib/'s import graph as madge sees it: static imports, `import type` included, and require() calls with a literal path. */
function libGraph() {
  return madge(LIB, { fileExtensions: ['ts'], detectiveOptions: { ts: { mixedImports: true } } });
}

describe('architecture: the import graph of lib/', function () {
  this.timeout(120000);
  let graph: madge.MadgeInstance;
  before(async () => {
    graph = await libGraph();
  });

  it('has no circular imports', async () => {
    expect(Object.keys(graph.obj()).length, 'files found under lib/').to.be.greaterThan(50);
    const cycles = graph.circular().map((c) => c.join(' -> '));
    expect(cycles, `circular imports in lib/:\n  ${cycles.join('\n  ')}`).to.deep.equal([]);
  });

  it('sees a cycle when there is one (the check is not vacuous)', async () => {
    const deps = graph.obj();
    // The backend registry is imported by the candidates; an edge back would close a circle.
    expect(deps['backend/candidates/wasm.ts']).to.include('backend/registry.ts');
    const withEdge = { ...deps, 'backend/registry.ts': [...deps['backend/registry.ts'], 'backend/candidates/wasm.ts'] };
    const cyclic = (await madge(withEdge)).circular();
    const closed = cyclic.some((c) => c.includes('backend/registry.ts') && c.includes('backend/candidates/wasm.ts'));
    expect(closed, JSON.stringify(cyclic)).to.equal(true);
  });
});
