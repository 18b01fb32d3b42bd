// NPY / CSV / JSON writers of the CLI: byte layout of the NPY header, round trips, numpy.load.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  csvChunks,
  decodeNpy,
  encodeNpy,
  jsonChunks,
  npyHeader,
  outputFormat,
  writeSamples,
} from '../../../lib/cli/output-formats';
import { UsageError } from '../../../lib/cli/errors';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtk-formats-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npy', () => {
  test('the header is NPY v1.0, <f8, C order, padded to 64 bytes and ends in a newline', () => {
    for (const shape of [[3, 2], [1, 1], [100000, 10], [7, 12345]]) {
      const h = npyHeader(shape);
      expect(h.length % 64).toBe(0);
      expect(h.toString('latin1', 0, 6)).toBe('\x93NUMPY');
      expect([h[6], h[7]]).toEqual([1, 0]);
      expect(h.readUInt16LE(8)).toBe(h.length - 10);
      expect(h[h.length - 1]).toBe(0x0a);
      const dict = h.toString('latin1', 10).trimEnd();
      expect(dict).toBe(`{'descr': '<f8', 'fortran_order': False, 'shape': (${shape[0]}, ${shape[1]}), }`);
    }
  });

  test('encode / decode round trip, float32 widened to float64', () => {
    const x = Float64Array.from({ length: 12 }, (_, i) => (i - 5.5) / 3);
    const { shape, data, headerLength } = decodeNpy(encodeNpy(x, 4, 3));
    expect(shape).toEqual([4, 3]);
    expect(headerLength % 64).toBe(0); // data aligned to 64 bytes (128 here: the dict needs 61 bytes)
    expect(Array.from(data)).toEqual(Array.from(x));
    const y = Float32Array.from(x);
    expect(Array.from(decodeNpy(encodeNpy(y, 4, 3)).data)).toEqual(Array.from(y));
    expect(() => encodeNpy(x, 5, 3)).toThrow(RangeError);
  });

  (hasNumpy ? test : test.skip)('numpy.load reads it with the right shape, dtype and values', async () => {
    const x = Float64Array.from({ length: 21 }, (_, i) => Math.sin(i) * 1e3 + i / 7);
    x[4] = NaN;
    x[5] = -Infinity;
    const file = path.join(dir, 'a.npy');
    await writeSamples(file, x, 7, 3);
    const py = spawnSync(
      'python3',
      ['-c', 'import sys, json, numpy as np; a = np.load(sys.argv[1]); print(json.dumps({"shape": a.shape, "dtype": str(a.dtype), "c": bool(a.flags.c_contiguous), "v": [repr(v) for v in a.ravel().tolist()]}))', file],
      { encoding: 'utf8' },
    );
    expect(py.status).toBe(0);
    const r = JSON.parse(py.stdout);
    expect(r.shape).toEqual([7, 3]);
    expect(r.dtype).toBe('float64');
    expect(r.c).toBe(true);
    const expected = Array.from(x, (v) => (Number.isNaN(v) ? 'nan' : v === -Infinity ? '-inf' : null));
    r.v.forEach((s: string, i: number) => {
      if (expected[i] !== null) expect(s).toBe(expected[i]);
      else expect(Number(s)).toBe(x[i]);
    });
  });
});

describe('csv and json', () => {
  const x = Float64Array.from([1, -2.5, 1e-20, NaN, Infinity, -Infinity]);

  test('csv: header x0..x{d-1}, one row per particle, round-trip decimals, nan/inf', () => {
    const text = [...csvChunks(x, 3, 2, 2)].join('');
    expect(text).toBe('x0,x1\n1,-2.5\n1e-20,nan\ninf,-inf\n');
  });

  test('json: an array of rows, non-finite as null', () => {
    const text = [...jsonChunks(x, 3, 2, 2)].join('');
    expect(JSON.parse(text)).toEqual([[1, -2.5], [1e-20, null], [null, null]]);
    const y = Float64Array.from({ length: 3000 }, (_, i) => i / 3);
    const rows = JSON.parse([...jsonChunks(y, 1000, 3, 64)].join(''));
    expect(rows).toHaveLength(1000);
    expect(rows[999]).toEqual([2997 / 3, 2998 / 3, 2999 / 3]);
  });

  test('format by extension; anything else is a usage error', () => {
    expect(outputFormat('a.NPY')).toBe('npy');
    expect(outputFormat('dir/b.csv')).toBe('csv');
    expect(outputFormat('c.json')).toBe('json');
    expect(outputFormat('-')).toBe('csv');
    expect(() => outputFormat('d.txt')).toThrow(UsageError);
    expect(() => outputFormat('noext')).toThrow(/unknown extension \(none\)/);
  });
});
