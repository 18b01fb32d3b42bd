// Target files of the CLI: the loader table, the gaussian-mixture type, and one-line errors.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GaussianMixture } from '../../../lib/gaussian-mixture';
import { UsageError } from '../../../lib/cli/errors';
import { loadTargetFile, paperTarget, TARGET_LOADERS } from '../../../lib/cli/target-file';

let dir: string;
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtk-targets-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a gaussian-mixture file: weights normalised, isotropic and diagonal variances', () => {
  const p = file('m.json', JSON.stringify({
    type: 'gaussian-mixture',
    weights: [1, 3],
    means: [[0, 0, 0], [3, 1, -2]],
    variances: [0.5, [0.2, 0.1, 1]],
  }));
  const t = loadTargetFile(p);
  expect(t.dim).toBe(3);
  expect(t.mixture).toBeInstanceOf(GaussianMixture);
  expect(t.sampleOptions.target).toBe(t.mixture);
  expect(Array.from(t.mixture!.weights)).toEqual([0.25, 0.75]);
  expect(Array.from(t.mixture!.variances)).toEqual([0.5, 0.5, 0.5, 0.2, 0.1, 1]);
  expect(t.description).toContain('2 components, d = 3');
  expect(t.paper).toBeFalsy();
});

test('the loaders are a table keyed by type', () => {
  expect(Object.keys(TARGET_LOADERS)).toEqual(['gaussian-mixture', 'plugin']);
});

test.each([
  ['missing.json', null, /no such file/],
  ['broken.json', '{"type": "gaussian-mixture", means', /not valid JSON/],
  ['array.json', '[1, 2]', /expected a JSON object with a "type" field/],
  ['notype.json', '{"means": [[0]], "variances": [1]}', /missing "type" \(known types: "gaussian-mixture", "plugin"\)/],
  ['plugin.json', '{"type": "plugin", "module": "./x.js"}', /unknown field "module" for type "plugin"/],
  ['nolib.json', '{"type": "plugin", "path": "./missing.so", "dim": 2}', /missing\.so/],
  ['nodim.json', '{"type": "plugin", "path": "./missing.so"}', /needs "dim"/],
  ['other.json', '{"type": "other"}', /unknown target type "other" \(known types: "gaussian-mixture", "plugin"\)/],
  ['proto.json', '{"type": "toString"}', /unknown target type "toString"/],
  ['field.json', '{"type": "gaussian-mixture", "means": [[0]], "variances": [1], "mean": 1}', /unknown field "mean"/],
  ['nomeans.json', '{"type": "gaussian-mixture", "variances": [1]}', /missing field "means"/],
  ['ragged.json', '{"type": "gaussian-mixture", "means": [[0, 0], [1]], "variances": [1, 1]}', /means\[1\]/],
  ['negvar.json', '{"type": "gaussian-mixture", "means": [[0]], "variances": [-1]}', /variances\[0\]/],
  ['weights.json', '{"type": "gaussian-mixture", "weights": [1], "means": [[0], [1]], "variances": [1, 1]}', /weights/],
])('%s is a one-line usage error naming the file', (name, content, pattern) => {
  const p = content === null ? path.join(dir, name) : file(name, content);
  let error: unknown;
  try {
    loadTargetFile(p);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as Error).message;
  expect(message).toMatch(pattern);
  expect(message).toContain(p);
  expect(message).not.toContain('\n');
});

test('a folder is a usage error', () => {
  expect(() => loadTargetFile(dir)).toThrow(/is a folder/);
});

test("the default target is the paper's mixture; --dim puts the same circle in d dimensions", () => {
  const t = paperTarget();
  const p = GaussianMixture.paperTarget();
  expect(t.dim).toBe(10);
  expect(t.paper).toBe(true);
  expect(Array.from(t.mixture!.means)).toEqual(Array.from(p.means));
  expect(Array.from(t.mixture!.variances)).toEqual(Array.from(p.variances));
  const t3 = paperTarget(3);
  expect(t3.dim).toBe(3);
  expect(t3.mixture!.components).toBe(12);
  expect(Array.from(t3.mixture!.means.subarray(3, 6))).toEqual([Math.cos(Math.PI / 6), Math.sin(Math.PI / 6), 0]);
  expect(() => paperTarget(1)).toThrow(UsageError);
});
