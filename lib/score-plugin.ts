// Native score plugins: a user's shared library implementing the C ABI of
// native/include/rtk/score_plugin.h, loaded with dlopen. A ScorePlugin is a NativeTarget, so
// `sample({ target: plugin, ... })` runs entirely in C++, calling the plugin's score (and energy)
// on the run's thread pool in parallel chunks; sampleSync and evaluate() call it from JS.
import * as path from 'path';
import { rangeError, typeError } from './errors';
import { addon, Real } from './native';
import { NativeTarget } from './native-target';
import { knownKeys, plainObject } from './validate';

/** The addon object wrapping a loaded plugin (native/addon/plugin_binding.h). */
export interface NativeScorePlugin {
  readonly dim: number;
  readonly hasEnergy: boolean;
  readonly path: string;
  evaluate(x: Real, t: number, scoreOut: Real | null, energyOut: Real | null): void;
}

type NativeScorePluginClass = new (path: string, dim: number, configJson: string) => NativeScorePlugin;

export interface ScorePluginOptions {
  /** The dimension d of the density (a positive integer); handed to the plugin's create(). */
  dim: number;
  /** Any JSON-serialisable value, handed to create() as JSON text (default: `{}`). */
  config?: unknown;
}

const PLUGIN_OPTIONS = ['dim', 'config'] as const;
const MAX_DIM = 1 << 20;

/** JSON text of `config`, or a TypeError saying why it cannot be sent to the plugin. */
function configJson(pluginPath: string, config: unknown): string {
  if (config === undefined) return '{}';
  const where = (key: string) => (key === '' ? 'config' : `config at key '${key}'`);
  let text: string | undefined;
  try {
    text = JSON.stringify(config, (key: string, value: unknown) => {
      // JSON.stringify would silently turn these into null or drop them.
      if (typeof value === 'number' && !Number.isFinite(value))
        throw new TypeError(`${where(key)} is ${value}, which JSON cannot represent`);
      if (typeof value === 'function' || typeof value === 'symbol' || (key === '' && value === undefined))
        throw new TypeError(`${where(key)} is ${typeof value}, which JSON cannot represent`);
      return value;
    });
  } catch (e) {
    throw new TypeError(
      `Cannot load score plugin '${pluginPath}': config is not JSON-serialisable (${(e as Error).message})`,
    );
  }
  if (text === undefined)
    throw new TypeError(`Cannot load score plugin '${pluginPath}': config is not JSON-serialisable`);
  return text;
}

export class ScorePlugin extends NativeTarget {
  /** The native object; used by `sample` to run entirely in C++. */
  readonly native: NativeScorePlugin;
  readonly dim: number;
  /** Whether the plugin exports an energy (its table's energy is not NULL); 'rtk-mala' needs one. */
  readonly hasEnergy: boolean;
  /** The absolute path of the shared library. */
  readonly path: string;
  /** The JSON text handed to the plugin's create(). */
  readonly configJson: string;

  /** Prefer `loadScorePlugin(path, options)`; this is the same. */
  constructor(libraryPath: string, options: ScorePluginOptions) {
    super();
    if (typeof libraryPath !== 'string' || libraryPath.length === 0)
      throw typeError('path', 'the path of a score plugin shared library (a non-empty string)', libraryPath);
    const resolved = path.resolve(libraryPath);
    const o = plainObject(`loadScorePlugin('${resolved}') options`, options);
    knownKeys(`loadScorePlugin('${resolved}') options`, o, PLUGIN_OPTIONS);
    if (typeof o.dim !== 'number')
      throw typeError(`dim of score plugin '${resolved}'`, 'a positive integer', o.dim);
    if (!Number.isInteger(o.dim) || o.dim < 1 || o.dim > MAX_DIM)
      throw rangeError(`dim of score plugin '${resolved}'`, `a positive integer (at most ${MAX_DIM})`, o.dim);
    const json = configJson(resolved, o.config);
    const Native = (addon as unknown as { NativeScorePlugin: NativeScorePluginClass }).NativeScorePlugin;
    this.native = new Native(resolved, o.dim, json);
    this.dim = o.dim;
    this.hasEnergy = this.native.hasEnergy;
    this.path = resolved;
    this.configJson = json;
  }

  /** Score and/or energy at the rows of x (either output may be null). Throws an Error naming the
   * plugin when it returns a non-zero code. Float32 arrays are converted to double for the plugin. */
  evaluate(x: Real, t: number, scoreOut: Real | null, energyOut: Real | null): void {
    this.native.evaluate(x, t, scoreOut, energyOut);
  }

  toString(): string {
    return `ScorePlugin(${this.path}, dim ${this.dim}${this.hasEnergy ? ', with energy' : ''})`;
  }
}

/**
 * Loads a native score plugin: a shared library exporting `rtk_score_plugin_v1` (see
 * native/include/rtk/score_plugin.h). `config` is sent to the plugin's create() as JSON.
 * The returned object works wherever a GaussianMixture does (`sample({ target: plugin, ... })`,
 * sampleSync). Every failure (missing file, not a library, missing symbol, wrong ABI version,
 * create() failing) throws an Error naming the path and the reason. The library is unloaded
 * once neither this object nor any run still uses it.
 */
export function loadScorePlugin(libraryPath: string, options: ScorePluginOptions): ScorePlugin {
  return new ScorePlugin(libraryPath, options);
}
