// Target files: JSON objects with a "type" and the fields of that type. Each type is one entry
// of TARGET_LOADERS (type -> loader), so a new kind of target (e.g. "plugin") is one more entry.
//
//   {"type": "gaussian-mixture", "weights": [...], "means": [[...], ...], "variances": [...]}
//   (weights optional: equal; a variance is a number (isotropic) or an array of d (diagonal)).
//   {"type": "plugin", "path": "lib.so", "dim": d, "config": {...}}   (a native score plugin;
//   a relative path is relative to the target file; dim may come from --dim instead).
import * as fs from 'fs';
import * as path from 'path';
import type { GaussianMixture } from '../gaussian-mixture';
import type { SampleOptions } from '../options';
import { messageOf, UsageError } from './errors';

/** What a loaded target gives the sample command. */
export interface LoadedTarget {
  /** One line for the summary, e.g. "gaussian-mixture from m.json (3 components, d = 2)". */
  description: string;
  /** The target part of the sample options (a native `target`, or later `score`/`energy`/`dim`). */
  sampleOptions: Pick<SampleOptions, 'target' | 'score' | 'energy' | 'dim'>;
  dim: number;
  /** Set when the exact target is a Gaussian mixture: marginal accuracy and exact plots. */
  mixture?: GaussianMixture;
  /** The paper's benchmark target: its accuracy is measured on the paper's bins ([-2, 2]). */
  paper?: boolean;
}

/** A loader receives the parsed JSON object and the file name (for messages). */
export type TargetLoader = (spec: Record<string, unknown>, file: string, dim?: number) => LoadedTarget;

function loadGaussianMixture(spec: Record<string, unknown>, file: string): LoadedTarget {
  const allowed = ['type', 'weights', 'means', 'variances', 'description'];
  for (const key of Object.keys(spec))
    if (!allowed.includes(key))
      throw new UsageError(`target file ${file}: unknown field "${key}" for type "gaussian-mixture" (fields: ${allowed.join(', ')})`);
  for (const key of ['means', 'variances'])
    if (spec[key] === undefined) throw new UsageError(`target file ${file}: missing field "${key}" for type "gaussian-mixture"`);
  const { GaussianMixture } = require('../gaussian-mixture') as typeof import('../gaussian-mixture');
  let mixture: GaussianMixture;
  try {
    mixture = new GaussianMixture({
      weights: spec.weights as number[] | undefined,
      means: spec.means as number[][],
      variances: spec.variances as (number | number[])[],
    });
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new UsageError(`target file ${file}: ${messageOf(e)}`);
    throw e;
  }
  const label = typeof spec.description === 'string' ? `${spec.description}, ` : '';
  return {
    description: `gaussian-mixture from ${file} (${label}${mixture.components} components, d = ${mixture.dim})`,
    sampleOptions: { target: mixture },
    dim: mixture.dim,
    mixture,
  };
}

function loadPlugin(spec: Record<string, unknown>, file: string, dim?: number): LoadedTarget {
  const allowed = ['type', 'path', 'dim', 'config', 'description'];
  for (const key of Object.keys(spec))
    if (!allowed.includes(key))
      throw new UsageError(`target file ${file}: unknown field "${key}" for type "plugin" (fields: ${allowed.join(', ')})`);
  if (typeof spec.path !== 'string' || spec.path === '')
    throw new UsageError(`target file ${file}: "path" must name the plugin's shared library`);
  const d = spec.dim ?? dim;
  if (d === undefined) throw new UsageError(`target file ${file}: a plugin needs "dim" (or --dim)`);
  if (dim !== undefined && spec.dim !== undefined && dim !== spec.dim)
    throw new UsageError(`target file ${file}: "dim" is ${JSON.stringify(spec.dim)} but --dim is ${dim}`);
  const { loadScorePlugin } = require('../score-plugin') as typeof import('../score-plugin');
  const library = path.resolve(path.dirname(file), spec.path);
  try {
    const plugin = loadScorePlugin(library, { dim: d as number, config: spec.config ?? {} });
    const label = typeof spec.description === 'string' ? `${spec.description}, ` : '';
    return { description: `plugin ${library} (${label}d = ${plugin.dim})`, sampleOptions: { target: plugin }, dim: plugin.dim };
  } catch (e) {
    throw new UsageError(`target file ${file}: ${messageOf(e)}`);
  }
}

/** Target types by name. Add a type here (and describe its fields in the header above). */
export const TARGET_LOADERS: Record<string, TargetLoader> = {
  'gaussian-mixture': loadGaussianMixture,
  plugin: loadPlugin,
};

/** Reads and checks a target file; every problem is a UsageError of one line naming the file. */
export function loadTargetFile(file: string, dim?: number): LoadedTarget {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new UsageError(`target file ${file}: no such file`);
    if (code === 'EISDIR') throw new UsageError(`target file ${file}: is a folder, expected a JSON file`);
    throw new UsageError(`target file ${file}: cannot read it (${messageOf(e)})`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`target file ${file}: not valid JSON (${messageOf(e)})`);
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new UsageError(`target file ${file}: expected a JSON object with a "type" field`);
  const type = (spec as Record<string, unknown>).type;
  const known = Object.keys(TARGET_LOADERS).map((t) => `"${t}"`).join(', ');
  if (type === undefined) throw new UsageError(`target file ${file}: missing "type" (known types: ${known})`);
  const loader = typeof type === 'string' && Object.prototype.hasOwnProperty.call(TARGET_LOADERS, type) ? TARGET_LOADERS[type] : undefined;
  if (!loader) throw new UsageError(`target file ${file}: unknown target type ${JSON.stringify(type)} (known types: ${known})`);
  return loader(spec as Record<string, unknown>, file, dim);
}

/** The paper's 12 modes on the unit circle (variance 0.007) in d dimensions: for d = 10 exactly
 * GaussianMixture.paperTarget(); other d (>= 2) put the same circle in the first two coordinates. */
export function paperTarget(dim?: number): LoadedTarget {
  const { GaussianMixture } = require('../gaussian-mixture') as typeof import('../gaussian-mixture');
  let mixture: GaussianMixture;
  if (dim === undefined || dim === 10) mixture = GaussianMixture.paperTarget();
  else {
    if (!Number.isInteger(dim) || dim < 2)
      throw new UsageError(`--dim ${dim}: the default target (the paper's circle of 12 modes) needs d >= 2`);
    const means = Array.from({ length: 12 }, (_, j) => {
      const m = new Array<number>(dim).fill(0);
      m[0] = Math.cos((2 * Math.PI * j) / 12);
      m[1] = Math.sin((2 * Math.PI * j) / 12);
      return m;
    });
    mixture = new GaussianMixture({ means, variances: new Array(12).fill(0.007) });
  }
  return {
    description:
      mixture.dim === 10
        ? "the paper's mixture (12 modes on a circle, variance 0.007, d = 10)"
        : `the paper's mixture in d = ${mixture.dim} (12 modes on a circle, variance 0.007)`,
    sampleOptions: { target: mixture },
    dim: mixture.dim,
    mixture,
    paper: true,
  };
}
