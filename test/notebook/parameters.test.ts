import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  declaredNames,
  injectedCellSource,
  parametersCellSource,
  parseParameterPairs,
  planParameters,
  readParameterFile,
} from '../../lib/notebook/parameters';
import { listNotebooks, projectRoot } from '../../lib/notebook/runNotebooks';
import { UserError } from '../../lib/util/errors';

describe('notebook parameters (papermill-style)', () => {
  const notebooks = listNotebooks(path.join(projectRoot(), 'notebooks'));
  const byNum = (n: string) => notebooks.find((f) => path.basename(f).startsWith(`${n}_`))!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agw-params-'));

  it('every notebook has one settings cell tagged parameters, declaring its settings', () => {
    for (const nb of notebooks) {
      const src = parametersCellSource(nb);
      expect(src, path.basename(nb)).to.be.a('string');
      expect(declaredNames(src!).length, path.basename(nb)).to.be.above(0);
      expect(src, 'the environment is read in the set-up cell above').to.not.include('notebookEnv()');
    }
    expect(declaredNames(parametersCellSource(byNum('03'))!)).to.include.members(['seed', 'overrides', 'datasets']);
  });

  it('-p values are read as JSON when they parse, else as text', () => {
    expect(parseParameterPairs(['seed=1', 'lr=2e-4', 'name=abc', 'on=true', 'xs=[1,2]', 's="1"'])).to.deep.equal({
      seed: 1, lr: 2e-4, name: 'abc', on: true, xs: [1, 2], s: '1',
    });
    expect(() => parseParameterPairs(['seed'])).to.throw(UserError, /name=value/);
    expect(() => parseParameterPairs(['1x=2'])).to.throw(UserError, /not a variable name/);
  });

  it('-f reads JSON and YAML and refuses what is not an object', () => {
    fs.writeFileSync(path.join(dir, 'p.json'), '{"seed": 2, "ngf": 8}');
    fs.writeFileSync(path.join(dir, 'p.yaml'), 'seed: 2\nsize: [32, 32]\nproposedAdversarial: wgan-gp\n');
    fs.writeFileSync(path.join(dir, 'bad.yaml'), '- 1\n- 2\n');
    expect(readParameterFile(path.join(dir, 'p.json'))).to.deep.equal({ seed: 2, ngf: 8 });
    expect(readParameterFile(path.join(dir, 'p.yaml'))).to.deep.equal({ seed: 2, size: [32, 32], proposedAdversarial: 'wgan-gp' });
    expect(() => readParameterFile(path.join(dir, 'bad.yaml'))).to.throw(UserError, /expected an object/);
    expect(() => readParameterFile(path.join(dir, 'none.json'))).to.throw(UserError, /no such file/);
  });

  it('refuses an unknown name and a bad training value with one line, before anything runs', () => {
    expect(() => planParameters({ nosuch: 1 }, notebooks, 'smoke')).to.throw(UserError, /-p nosuch: not a setting of these notebooks/);
    expect(() => planParameters({ ngf: 'wide' }, notebooks, 'smoke')).to.throw(UserError, /-p ngf takes a number/);
    // A notebook's own variable is known only when that notebook runs.
    expect(() => planParameters({ SEED: 1 }, [byNum('03')], 'smoke')).to.throw(UserError, /SEED/);
    expect(planParameters({ SEED: 1 }, [byNum('01')], 'smoke').training).to.deep.equal({});
  });

  it('injects declared variables as they are and training settings into overrides, typed as the config', () => {
    const plan = planParameters({ seed: 1, ngf: 8, size: [32, 32], SEED: 4 }, notebooks, 'smoke');
    expect(plan.training).to.deep.equal({ seed: 1, ngf: 8, size: [32, 32] });
    const nb03 = injectedCellSource(plan, parametersCellSource(byNum('03')))!;
    expect(nb03).to.include('const seed = 1;');
    expect(nb03).to.include(`const overrides: Partial<import('anime-gan-workbook').TrainConfig> = {"ngf":8,"size":[32,32]};`);
    expect(nb03).to.include('// not settings of this notebook: SEED');
    const nb01 = injectedCellSource(plan, parametersCellSource(byNum('01')))!;
    expect(nb01).to.include('const SEED = 4;');
    expect(nb01).to.not.include('overrides');
    expect(nb01).to.include('// not settings of this notebook: seed, ngf, size');
    expect(injectedCellSource(planParameters({}, notebooks, 'smoke'), parametersCellSource(byNum('03')))).to.equal(null);
  });
});
