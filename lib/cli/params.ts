/**
 * `-p name=value`: one setting of the preset from the command line (`anime-gan train` and
 * `anime-gan grid` share it, so a grid's task trains with exactly the settings the grid planned).
 * A value takes the type the preset gives that setting: a number, a word, a size (`64` or
 * `64x80`) or a list of numbers (`0,1,2`). An optimizer's fields are set by a dotted name:
 * `optimizerG.lr=1e-3`, `optimizerD.name=rmsprop`, `optimizerD.momentum=0.9`.
 */
import type { OptimizerConfig, TrainConfig } from '../presets';
import { UserError } from '../util/errors';
import { parseSizeOption } from './context';

/** commander's collector for a repeatable option. */
export function collectRepeated(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parse `name=value` pairs against `template` (a resolved config, for the settings' types). */
export function parseParams(pairs: readonly string[], template: TrainConfig): Partial<TrainConfig> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq).trim() : '';
    const raw = eq > 0 ? pair.slice(eq + 1).trim() : '';
    if (!name || !raw) throw new UserError(`-p takes name=value, got '${pair}'`);
    if (name === 'model') throw new UserError('-p cannot change the model');
    if (name.includes('.')) {
      const [obj, field] = name.split('.', 2);
      out[obj] = optimizerField(name, obj, field, raw, template, out[obj] as OptimizerConfig | undefined);
      continue;
    }
    if (!(name in template)) {
      throw new UserError(`-p ${name}: no such setting (known: ${Object.keys(template).filter((k) => k !== 'model').join(', ')})`);
    }
    out[name] = parseValue(name, raw, (template as unknown as Record<string, unknown>)[name]);
  }
  return out as Partial<TrainConfig>;
}

const OPTIMIZER_NAMES: readonly OptimizerConfig['name'][] = ['adam', 'rmsprop', 'sgd'];
const OPTIMIZER_FIELDS = ['name', 'lr', 'beta1', 'beta2', 'momentum'] as const;

/** `-p optimizerG.lr=…`: the optimizer `obj` of the template (or of earlier -p) with `field` set. */
function optimizerField(name: string, obj: string, field: string, raw: string, template: TrainConfig, sofar?: OptimizerConfig): OptimizerConfig {
  const base = sofar ?? (template as unknown as Record<string, unknown>)[obj];
  if (obj !== 'optimizerG' && obj !== 'optimizerD') {
    throw new UserError(`-p ${name}: only the optimizers have fields (optimizerG.<field>, optimizerD.<field>)`);
  }
  if (!(OPTIMIZER_FIELDS as readonly string[]).includes(field)) {
    throw new UserError(`-p ${name}: an optimizer has ${OPTIMIZER_FIELDS.join(', ')}`);
  }
  if (field === 'name') {
    if (!(OPTIMIZER_NAMES as readonly string[]).includes(raw)) throw new UserError(`-p ${name}: one of ${OPTIMIZER_NAMES.join(', ')}, got '${raw}'`);
    return { ...(base as OptimizerConfig), name: raw as OptimizerConfig['name'] };
  }
  const v = number(name, raw);
  if (field === 'lr' && !(v > 0)) throw new UserError(`-p ${name}: a learning rate must be positive, got ${raw}`);
  return { ...(base as OptimizerConfig), [field]: v };
}

function parseValue(name: string, raw: string, like: unknown): unknown {
  if (name === 'size') {
    try {
      return parseSizeOption(raw);
    } catch (e) {
      throw new UserError(`-p size: ${(e as Error).message.replace('--size ', '')}`);
    }
  }
  if (typeof like === 'number') return number(name, raw);
  if (typeof like === 'string') return raw;
  if (Array.isArray(like)) return raw.split(',').map((s) => number(name, s.trim()));
  throw new UserError(`-p ${name}: this setting is an object; set its fields (-p ${name}.lr=…)`);
}

function number(name: string, raw: string): number {
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) throw new UserError(`-p ${name} takes a number, got '${raw}'`);
  return n;
}

/** The entries of `o` that are defined (so an absent option does not hide a -p setting). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
