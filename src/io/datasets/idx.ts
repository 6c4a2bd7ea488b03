// The idx file format of MNIST (and Fashion-MNIST, EMNIST, …), browser-safe: bytes in, typed arrays out.
// Layout: 2 zero bytes, a dtype byte, a rank byte, then `rank` big-endian uint32 dimensions, then the data
// (big-endian) in row-major order. Also the gzip sniffing shared by every loader (inflate with `gunzip`).
import { HopgradError, check } from '../../tensor/errors.js';

/** idx element types by their dtype byte. */
export const IDX_DTYPES = {
  0x08: { name: 'ubyte', size: 1 },
  0x09: { name: 'byte', size: 1 },
  0x0b: { name: 'short', size: 2 },
  0x0c: { name: 'int', size: 4 },
  0x0d: { name: 'float', size: 4 },
  0x0e: { name: 'double', size: 8 },
} as const;

/** Name of an idx element type. */
export type IdxDType = (typeof IDX_DTYPES)[keyof typeof IDX_DTYPES]['name'];

/** A parsed idx file: its element type, shape and data in host order. */
export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  /** Row-major elements: Uint8Array (ubyte), Int8Array, Int16Array, Int32Array, Float32Array or Float64Array. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Options shared by the dataset parsers. */
export interface SourceOptions {
  /** Name of the file or source the bytes came from, for error messages (default 'input'). */
  source?: string;
}

/** 'name' quoted for messages. */
export const quoteSource = (s: string | undefined): string => `'${s ?? 'input'}'`;

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Throw a clear error when a parser is handed still-compressed bytes. */
export function rejectGzip(where: string, bytes: Uint8Array, source: string | undefined): void {
  check(!isGzip(bytes), where, () => `${quoteSource(source)} is gzip-compressed (starts with 1f 8b): inflate it first ` +
    "(await gunzip(bytes) in a browser, or the loaders of 'hopgrad/node', which inflate .gz files)");
}

/**
 * Inflate gzip bytes with the platform's DecompressionStream (browsers, Node ≥ 18); bytes that are not gzip
 * are returned unchanged. Corrupt or truncated gzip data throws a HopgradError naming `source`.
 */
export async function gunzip(bytes: Uint8Array, opts: SourceOptions = {}): Promise<Uint8Array> {
  check(bytes instanceof Uint8Array, 'gunzip', () => `bytes must be a Uint8Array, got ${String(bytes)}`);
  if (!isGzip(bytes)) return bytes;
  check(typeof DecompressionStream === 'function', 'gunzip', 'this platform has no DecompressionStream; inflate the bytes yourself');
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new HopgradError(`gunzip: ${quoteSource(opts.source)} is not valid gzip data (${(e as Error).message})`);
  }
}

/** Hex of a 32-bit magic number, e.g. 0x00000803. */
export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/**
 * Parse an idx file (already inflated). Validates the magic (two zero bytes, a known dtype byte), the header
 * length and that the data is exactly `prod(shape) × itemsize` bytes; errors name `source` and what is wrong.
 */
export function parseIdx(bytes: Uint8Array, opts: SourceOptions = {}): IdxArray {
  const where = 'parseIdx';
  const src = quoteSource(opts.source);
  check(bytes instanceof Uint8Array, where, () => `bytes must be a Uint8Array, got ${String(bytes)}`);
  rejectGzip(where, bytes, opts.source);
  check(bytes.length >= 4, where, () => `${src} is ${bytes.length} bytes, too short for the 4-byte idx magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const code = bytes[2]!;
  const info = (IDX_DTYPES as Record<number, { name: IdxDType; size: number } | undefined>)[code];
  check(bytes[0] === 0 && bytes[1] === 0 && info !== undefined, where, () =>
    `${src} has magic number ${hex32(magic)}, not an idx file (expected 0x0000TTRR: type byte TT in 08,09,0b,0c,0d,0e, ` +
    'e.g. 0x00000803 for MNIST images, 0x00000801 for labels)');
  const rank = bytes[3]!;
  const headerLen = 4 + 4 * rank;
  check(bytes.length >= headerLen, where, () =>
    `${src} is truncated: its header declares ${rank} dimensions (${headerLen} header bytes) but the file has ${bytes.length} bytes`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const need = headerLen + count * info.size;
  check(bytes.length >= need, where, () =>
    `${src} is truncated: shape [${shape.join(', ')}] of ${info.name} needs ${need} bytes, the file has ${bytes.length}`);
  check(bytes.length === need, where, () =>
    `${src} has ${bytes.length - need} trailing bytes after the data of shape [${shape.join(', ')}] (${need} bytes expected)`);
  return { dtype: info.name, shape, data: readData(view, headerLen, count, code) };
}

/** The big-endian elements of an idx data section, copied into a fresh host-order typed array. */
function readData(view: DataView, start: number, n: number, code: number): IdxArray['data'] {
  switch (code) {
    case 0x08: return new Uint8Array(view.buffer.slice(view.byteOffset + start, view.byteOffset + start + n));
    case 0x09: return new Int8Array(view.buffer.slice(view.byteOffset + start, view.byteOffset + start + n));
    case 0x0b: return fill(new Int16Array(n), (i) => view.getInt16(start + 2 * i, false));
    case 0x0c: return fill(new Int32Array(n), (i) => view.getInt32(start + 4 * i, false));
    case 0x0d: return fill(new Float32Array(n), (i) => view.getFloat32(start + 4 * i, false));
    default: return fill(new Float64Array(n), (i) => view.getFloat64(start + 8 * i, false));
  }
}

function fill<T extends { length: number; [i: number]: number }>(out: T, get: (i: number) => number): T {
  for (let i = 0; i < out.length; i++) out[i] = get(i);
  return out;
}

/**
 * Serialize an array to idx bytes (big-endian, dtype byte from `dtype`): the inverse of `parseIdx`, used by
 * tests and to write small fixtures.
 */
export function serializeIdx(arr: IdxArray): Uint8Array {
  const entry = Object.entries(IDX_DTYPES).find(([, v]) => v.name === arr.dtype);
  check(entry !== undefined, 'serializeIdx', () => `unknown idx dtype '${arr.dtype}'`);
  const code = Number(entry[0]);
  const size = entry[1].size;
  const count = arr.shape.reduce((a, b) => a * b, 1);
  check(arr.data.length === count, 'serializeIdx', () =>
    `data has ${arr.data.length} elements but shape [${arr.shape.join(', ')}] needs ${count}`);
  const head = 4 + 4 * arr.shape.length;
  const out = new Uint8Array(head + count * size);
  const v = new DataView(out.buffer);
  v.setUint8(2, code);
  v.setUint8(3, arr.shape.length);
  arr.shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const d = arr.data;
  for (let i = 0; i < count; i++) {
    const x = d[i]!;
    const p = head + i * size;
    if (code === 0x08) v.setUint8(p, x);
    else if (code === 0x09) v.setInt8(p, x);
    else if (code === 0x0b) v.setInt16(p, x, false);
    else if (code === 0x0c) v.setInt32(p, x, false);
    else if (code === 0x0d) v.setFloat32(p, x, false);
    else v.setFloat64(p, x, false);
  }
  return out;
}
