// Writers for the sample matrix (particles x dim, row-major): NPY (v1.0, '<f8', C order),
// CSV (header x0..x{d-1}, shortest round-trip decimals) and JSON (an array of rows).
// The format follows the file's extension; '-' writes CSV to stdout.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UsageError } from './errors';

export type Real = Float64Array | Float32Array;
export type OutputFormat = 'npy' | 'csv' | 'json';

export const OUTPUT_EXTENSIONS: Record<string, OutputFormat> = { '.npy': 'npy', '.csv': 'csv', '.json': 'json' };

/** The format of an output path ('-' is CSV on stdout); a UsageError for anything else. */
export function outputFormat(file: string, flag = '--out'): OutputFormat {
  if (file === '-') return 'csv';
  const ext = path.extname(file).toLowerCase();
  const format = OUTPUT_EXTENSIONS[ext];
  if (!format)
    throw new UsageError(
      `${flag} ${file}: unknown extension ${ext ? `'${ext}'` : '(none)'}; use .npy, .csv or .json (or '-' for CSV on stdout)`,
    );
  return format;
}

/** Checks before a run that `file` can be created: its folder exists and is a folder. */
export function checkWritable(file: string, flag: string): void {
  if (file === '-') return;
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new UsageError(`${flag} ${file}: the folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new UsageError(`${flag} ${file}: ${dir} is not a folder`);
  try {
    if (fs.statSync(file).isDirectory()) throw new UsageError(`${flag} ${file}: is a folder, expected a file name`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
}

/** The NPY v1.0 header for a C-order float64 little-endian array of this shape, padded so that
 * the data starts at a multiple of 64 bytes (numpy's own layout). */
export function npyHeader(shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const unpadded = preamble + dict.length + 1; // + '\n'
  const total = Math.ceil(unpadded / 64) * 64;
  const headerLength = total - preamble;
  if (headerLength > 65535) throw new RangeError('NPY header too long for format 1.0');
  const buf = Buffer.alloc(total, 0x20);
  buf.write('\x93NUMPY', 0, 'latin1');
  buf[6] = 1;
  buf[7] = 0;
  buf.writeUInt16LE(headerLength, 8);
  buf.write(dict, preamble, 'latin1');
  buf[total - 1] = 0x0a;
  return buf;
}

/** The whole .npy file (header + little-endian float64 data) for n x d samples. */
export function encodeNpy(samples: Real, n: number, d: number): Buffer {
  if (samples.length !== n * d) throw new RangeError(`expected ${n * d} values, got ${samples.length}`);
  const header = npyHeader([n, d]);
  const data = Buffer.alloc(n * d * 8);
  if (samples instanceof Float64Array && os.endianness() === 'LE') {
    Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).copy(data);
  } else {
    for (let i = 0; i < samples.length; i++) data.writeDoubleLE(samples[i], i * 8);
  }
  return Buffer.concat([header, data]);
}

/** Parses an .npy file written by encodeNpy (or numpy, for '<f8' C-order 2-D arrays). */
export function decodeNpy(buf: Buffer): { shape: number[]; data: Float64Array; headerLength: number } {
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error('not an NPY file');
  const major = buf[6];
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f8' || fortran !== 'False' || shapeText === undefined)
    throw new Error(`unsupported NPY header ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readDoubleLE(offset + i * 8);
  return { shape, data, headerLength: offset };
}

/** A CSV number: shortest round-trip decimal; non-finite as nan / inf / -inf (numpy, pandas read these). */
function csvNumber(x: number): string {
  if (Number.isFinite(x)) return String(x);
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}

/** CSV text in chunks of rows (header line first). */
export function* csvChunks(samples: Real, n: number, d: number, rowsPerChunk = 4096): Generator<string> {
  yield Array.from({ length: d }, (_, i) => `x${i}`).join(',') + '\n';
  for (let r0 = 0; r0 < n; r0 += rowsPerChunk) {
    const lines: string[] = [];
    const r1 = Math.min(n, r0 + rowsPerChunk);
    const row = new Array<string>(d);
    for (let r = r0; r < r1; r++) {
      for (let i = 0; i < d; i++) row[i] = csvNumber(samples[r * d + i]);
      lines.push(row.join(','));
    }
    yield lines.join('\n') + '\n';
  }
}

/** JSON text in chunks: an array of n rows of d numbers (non-finite values become null). */
export function* jsonChunks(samples: Real, n: number, d: number, rowsPerChunk = 4096): Generator<string> {
  yield '[';
  for (let r0 = 0; r0 < n; r0 += rowsPerChunk) {
    const lines: string[] = [];
    const r1 = Math.min(n, r0 + rowsPerChunk);
    for (let r = r0; r < r1; r++) {
      const row = new Array<string>(d);
      for (let i = 0; i < d; i++) {
        const x = samples[r * d + i];
        row[i] = Number.isFinite(x) ? String(x) : 'null';
      }
      lines.push(`[${row.join(',')}]`);
    }
    yield (r0 === 0 ? '\n' : ',\n') + lines.join(',\n');
  }
  yield '\n]\n';
}

/** Writes strings to a stream, waiting for 'drain'; a closed pipe (EPIPE, e.g. `| head`) ends quietly. */
export async function writeToStream(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  let broken: Error | null = null;
  const onError = (e: Error) => {
    broken = e;
  };
  stream.on('error', onError);
  try {
    for (const chunk of chunks) {
      if (broken) break;
      if (!stream.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stream.off('drain', done);
            stream.off('error', done);
            resolve();
          };
          stream.on('drain', done);
          stream.on('error', done);
        });
      }
    }
  } finally {
    stream.off('error', onError);
  }
  const e = broken as (Error & { code?: string }) | null;
  if (e && e.code !== 'EPIPE') throw e;
}

/** Writes the samples to `file` in the format of its extension ('-': CSV on stdout). */
export async function writeSamples(file: string, samples: Real, n: number, d: number): Promise<OutputFormat> {
  const format = outputFormat(file);
  if (file === '-') {
    await writeToStream(process.stdout, csvChunks(samples, n, d));
    return format;
  }
  if (format === 'npy') {
    fs.writeFileSync(file, encodeNpy(samples, n, d));
    return format;
  }
  const fd = fs.openSync(file, 'w');
  try {
    for (const chunk of format === 'csv' ? csvChunks(samples, n, d) : jsonChunks(samples, n, d)) fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  return format;
}
