/**
 * Notebook parameters the way papermill passes them. Each notebook's settings cell is tagged
 * `parameters`; `anime-gan paper -p name=value` (repeatable) and `-f params.json|yaml` add an
 * `injected-parameters` cell right after it in the executed copy, whose declarations replace the
 * settings above (tslab lets a later cell redeclare a `const`), and the executed copy records the
 * parameters in its metadata (`anime_gan.parameters`). Papermill has no TypeScript translator, so
 * the workbook writes the cell itself.
 *
 * A name is either a variable of a notebook's parameters cell (`seed`, `datasets`…: injected as
 * it is, a JSON literal) or a field of the training config (`ngf`, `lambdaCyc`, `clip`,
 * `nCritic`…: validated by the same parser as `anime-gan train -p`, and injected into the
 * notebook's `overrides`, so a changed setting trains a new run). Any other name is refused with
 * one line before anything runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { parseParams } from '../cli/params';
import { resolveConfig, TrainConfig } from '../presets';
import { UserError } from '../util/errors';

export type ParameterValue = string | number | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };
export type NotebookParameters = Record<string, ParameterValue>;

/** The tag papermill gives the settings cell, and the one of the cell it injects. */
export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';

const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * `-p name=value` pairs. A value is read as JSON when it parses (numbers, true/false, null,
 * lists, objects, quoted strings), else taken as a string, as papermill's `-p` does.
 */
export function parseParameterPairs(pairs: readonly string[]): NotebookParameters {
  const out: NotebookParameters = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq).trim() : '';
    const raw = eq > 0 ? pair.slice(eq + 1).trim() : '';
    if (!name || !raw) throw new UserError(`-p takes name=value, got '${pair}'`);
    if (!NAME.test(name)) throw new UserError(`-p ${name}: not a variable name`);
    out[name] = parseLiteral(raw);
  }
  return out;
}

function parseLiteral(raw: string): ParameterValue {
  try {
    return JSON.parse(raw) as ParameterValue;
  } catch {
    return raw;
  }
}

/** `-f params.json|yaml|yml`: one object of name → value. */
export function readParameterFile(file: string): NotebookParameters {
  if (!fs.existsSync(file)) throw new UserError(`-f ${file}: no such file`);
  const text = fs.readFileSync(file, 'utf8');
  const ext = path.extname(file).toLowerCase();
  let data: unknown;
  try {
    data = ext === '.json' ? JSON.parse(text) : yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch (e) {
    throw new UserError(`-f ${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UserError(`-f ${file}: expected an object of name: value`);
  for (const name of Object.keys(data)) if (!NAME.test(name)) throw new UserError(`-f ${file}: ${name} is not a variable name`);
  return data as NotebookParameters;
}

/** The top-level names a parameters cell declares (`const x = …`, `let y`, `var z`). */
export function declaredNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)/gm)) {
    if (!names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; metadata?: { tags?: string[] } }[];
}

/** The source of a notebook's cell tagged `parameters`, or null. */
export function parametersCellSource(notebook: string): string | null {
  const nb = JSON.parse(fs.readFileSync(notebook, 'utf8')) as NotebookJson;
  const cell = nb.cells.find((c) => c.cell_type === 'code' && (c.metadata?.tags ?? []).includes(PARAMETERS_TAG));
  if (!cell) return null;
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** The training config's settings that `-p` may set (every field but the model and the optimizers). */
export function trainingSettingNames(preset: string): string[] {
  const template = resolveConfig('dcgan', preset);
  return Object.entries(template)
    .filter(([k, v]) => k !== 'model' && (typeof v !== 'object' || Array.isArray(v)))
    .map(([k]) => k);
}

/** A value given as JSON/YAML, as the `name=value` text `anime-gan train -p` parses. */
function asSettingText(name: string, v: ParameterValue): string {
  if (name === 'size' && Array.isArray(v)) return v.join('x');
  if (Array.isArray(v)) return v.join(',');
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export interface ParameterPlan {
  /** The parameters as given (recorded in each executed copy). */
  parameters: NotebookParameters;
  /** The training settings among them, validated and typed. */
  training: Partial<TrainConfig>;
}

/**
 * Check every name against the notebooks' parameters cells and the training config (one line
 * for an unknown name or a bad value), before any notebook runs.
 */
export function planParameters(parameters: NotebookParameters, notebooks: readonly string[], preset: string): ParameterPlan {
  const declared = new Set(notebooks.flatMap((nb) => declaredNames(parametersCellSource(nb) ?? '')));
  const settings = trainingSettingNames(preset);
  const template = resolveConfig('dcgan', preset);
  const trainingPairs: string[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    if (settings.includes(name)) trainingPairs.push(`${name}=${asSettingText(name, value)}`);
    else if (!declared.has(name)) {
      throw new UserError(
        `-p ${name}: not a setting of these notebooks (their parameters cells: ${[...declared].join(', ')}; ` +
          `training settings: ${settings.join(', ')})`,
      );
    }
  }
  const training = parseParams(trainingPairs, template);
  return { parameters, training };
}

/**
 * The source of the `injected-parameters` cell for one notebook: each parameter its parameters
 * cell declares, the training settings merged into `overrides` when it has them, and a comment
 * for the rest. Null when no parameters were given.
 */
export function injectedCellSource(plan: ParameterPlan, parametersSource: string | null): string | null {
  const names = Object.keys(plan.parameters);
  if (names.length === 0) return null;
  const declared = declaredNames(parametersSource ?? '');
  const lines = ['// Parameters injected by `anime-gan paper` (-p / -f): they replace the settings above.'];
  const unused: string[] = [];
  const training = Object.entries(plan.training);
  for (const name of names) {
    if (declared.includes(name)) lines.push(`const ${name} = ${literal(plan.parameters[name])};`);
    else if (!(name in plan.training) || !declared.includes('overrides')) unused.push(name);
  }
  if (declared.includes('overrides')) {
    const own = training.filter(([k]) => !declared.includes(k));
    // Typed as the training config, so a word ('wgan-gp') or a size ([64, 64]) takes its setting's type.
    if (own.length) {
      lines.push(`const overrides: Partial<import('anime-gan-workbook').TrainConfig> = ${JSON.stringify(Object.fromEntries(own))};`);
    }
  }
  if (unused.length) lines.push(`// not settings of this notebook: ${unused.join(', ')}`);
  return lines.join('\n');
}

function literal(v: ParameterValue): string {
  // JSON is a TypeScript literal; an array of two numbers is typed as a tuple where one is expected.
  const s = JSON.stringify(v);
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number') ? `${s} as [number, number]` : s;
}
