// safetensors read/write on plain bytes (Uint8Array, DataView, TextEncoder only: runs in browsers and Node).
// Format: u64 LE header length N, N bytes of UTF-8 JSON header, then the raw little-endian tensor data.
import { type DType, type TypedArray, allocate } from '../tensor/dtype.js';
import { HopgradError, check } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

/** safetensors dtype names `parseSafetensors` reads (F32/F64/I32 as-is; F16/BF16 → float32; the integers → int32). */
export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'F16' | 'BF16' | 'I64' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** What `parseSafetensors` returns: the tensors by name and the `__metadata__` string map (empty when absent). */
export interface ParsedSafetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** @internal host byte order; tests set `little = false` to exercise the byte-swapping path big-endian hosts take. */
export const _hostEndian = { little: new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 };

/** The reference implementation's limit on the header size (bigger headers are taken as corrupt). */
const MAX_HEADER = 100_000_000;
/** Names of our dtypes in files, in the reference enum order (it lays data out by descending order, then by name). */
const WRITE_NAME: Record<DType, 'I32' | 'F32' | 'F64'> = { int32: 'I32', float32: 'F32', float64: 'F64' };
const WRITE_RANK: Record<DType, number> = { int32: 0, float32: 1, float64: 2 };

/** Copy little-endian elements between byte arrays (a byte swap per element on a big-endian host). */
function copyLE(dst: Uint8Array, dstPos: number, src: Uint8Array, itemsize: number): void {
  if (_hostEndian.little || itemsize === 1) {
    dst.set(src, dstPos);
    return;
  }
  for (let i = 0; i < src.length; i += itemsize) {
    for (let j = 0; j < itemsize; j++) dst[dstPos + i + j] = src[i + itemsize - 1 - j]!;
  }
}

/** Compare names by Unicode code point (= UTF-8 byte order, as the reference writer sorts). */
function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Serialize tensors (and optional string metadata) to safetensors bytes.
 *
 * Output matches the reference `safetensors` writer: tensors ordered by descending dtype alignment (F64, F32,
 * I32) then by name, header entries in that same order after `__metadata__` (keys sorted; written only when
 * `metadata` is given), compact JSON padded with spaces so the data starts at a multiple of 8 bytes, data
 * little-endian on every platform. Non-contiguous views are written in row-major order.
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const where = 'serializeSafetensors';
  check(isPlainObject(tensors), where, () => `tensors must be an object mapping names to tensors, got ${String(tensors)}`);
  const entries = Object.keys(tensors).map((name) => {
    const t = tensors[name];
    check(name !== '__metadata__', where, 'a tensor cannot be named "__metadata__" (the key is reserved for metadata)');
    check(t instanceof Tensor, where, () => `tensors[${JSON.stringify(name)}] must be a Tensor, got ${String(t)}`);
    const data = t.contiguousData();
    return { name, t, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), itemsize: data.BYTES_PER_ELEMENT };
  });
  entries.sort((a, b) => WRITE_RANK[b.t.dtype] - WRITE_RANK[a.t.dtype] || compareNames(a.name, b.name));
  // Built by hand: JSON.stringify of an object would move integer-like keys ("0", "12") to the front.
  const parts: string[] = [];
  if (metadata !== undefined) {
    check(isPlainObject(metadata), where, () => `metadata must be an object of strings, got ${String(metadata)}`);
    const keys = Object.keys(metadata).sort(compareNames);
    const items = keys.map((k) => {
      const v = metadata[k];
      check(typeof v === 'string', where, () => `metadata[${JSON.stringify(k)}] must be a string, got ${typeof v} ${String(v)}`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${items.join(',')}}`);
  }
  let offset = 0;
  for (const e of entries) {
    const info = { dtype: WRITE_NAME[e.t.dtype], shape: e.t.shape, data_offsets: [offset, offset + e.bytes.length] };
    parts.push(`${JSON.stringify(e.name)}:${JSON.stringify(info)}`);
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let pos = 8 + n;
  for (const e of entries) {
    copyLE(out, pos, e.bytes, e.itemsize);
    pos += e.bytes.length;
  }
  return out;
}

type Reader = (src: Uint8Array, n: number, name: string) => TypedArray;
const dv = (src: Uint8Array): DataView => new DataView(src.buffer, src.byteOffset, src.byteLength);

/** Fresh typed array of `dtype` holding the little-endian elements of `src` (copied: `src` may be unaligned). */
function direct(dtype: DType): Reader {
  return (src, n) => {
    const out = allocate(dtype, n);
    copyLE(new Uint8Array(out.buffer), 0, src, out.BYTES_PER_ELEMENT);
    return out;
  };
}

/** Elements widened to int32 through `get(view, index)`. */
function widen(get: (v: DataView, i: number, name: string) => number): Reader {
  return (src, n, name) => {
    const v = dv(src);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = get(v, i, name);
    return out;
  };
}

/** IEEE half → float32 bits (exact, NaN payloads kept). */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  let e = 113; // subnormal: normalize the mantissa
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** float32 output from 16-bit inputs mapped to float32 bit patterns. */
function from16(toBits: (h: number) => number): Reader {
  return (src, n) => {
    const v = dv(src);
    const out = new Float32Array(n);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = toBits(v.getUint16(2 * i, true));
    return out;
  };
}

const READERS: Record<SafetensorsDType, { size: number; read: Reader }> = {
  F32: { size: 4, read: direct('float32') },
  F64: { size: 8, read: direct('float64') },
  I32: { size: 4, read: direct('int32') },
  F16: { size: 2, read: from16(halfToFloatBits) },
  BF16: { size: 2, read: from16((h) => (h << 16) >>> 0) },
  I16: { size: 2, read: widen((v, i) => v.getInt16(2 * i, true)) },
  I8: { size: 1, read: widen((v, i) => v.getInt8(i)) },
  U8: { size: 1, read: widen((v, i) => v.getUint8(i)) },
  BOOL: {
    size: 1,
    read: widen((v, i, name) => {
      const b = v.getUint8(i);
      check(b <= 1, 'parseSafetensors', () => `tensor "${name}" (BOOL) holds byte ${b} at element ${i}; booleans must be 0 or 1`);
      return b;
    }),
  },
  I64: {
    size: 8,
    read: widen((v, i, name) => {
      const lo = v.getUint32(8 * i, true);
      const hi = v.getInt32(8 * i + 4, true);
      check((hi === 0 && lo < 2 ** 31) || (hi === -1 && lo >= 2 ** 31), 'parseSafetensors', () =>
        `tensor "${name}" (I64) holds ${BigInt(hi) * 2n ** 32n + BigInt(lo)} at element ${i}, outside the int32 range it is loaded as`);
      return lo | 0;
    }),
  },
};

/** The first key that appears twice in one object of a JSON text already known to be valid, if any. */
function duplicateKey(text: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) stack.push(new Set()); // {
    else if (c === 0x5b) stack.push(null); // [
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x22) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      const keys = stack[stack.length - 1];
      let k = j + 1;
      while (k < text.length && text.charCodeAt(k) <= 0x20) k++; // JSON whitespace (the text is valid JSON)
      if (keys && text.charCodeAt(k) === 0x3a) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = j;
    }
  }
  return undefined;
}

const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const show = (x: unknown): string => JSON.stringify(x) ?? String(x);

interface Entry { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }

/** Validate one header entry (dtype, shape, data_offsets, size) against a data section of `dataLen` bytes. */
function readEntry(name: string, info: unknown, dataLen: number): Entry {
  const where = 'parseSafetensors';
  const t = `tensor ${JSON.stringify(name)}`;
  check(isPlainObject(info), where, () => `${t}: header entry must be an object, got ${show(info)}`);
  const { dtype, shape, data_offsets: offs } = info;
  check(typeof dtype === 'string', where, () => `${t}: missing or invalid "dtype" ${show(dtype)}`);
  check(Object.hasOwn(READERS, dtype), where, () =>
    `${t}: dtype ${dtype} is not supported (supported: ${Object.keys(READERS).join(', ')})`);
  check(Array.isArray(shape) && shape.every(isIndex), where, () =>
    `${t}: "shape" must be an array of non-negative integers, got ${show(shape)}`);
  check(Array.isArray(offs) && offs.length === 2 && offs.every(isIndex), where, () =>
    `${t}: "data_offsets" must be [begin, end] with non-negative integers, got ${show(offs)}`);
  const [begin, end] = offs as [number, number];
  check(begin <= end, where, () => `${t}: data_offsets [${begin},${end}] end before they begin`);
  check(end <= dataLen, where, () => `${t}: data_offsets [${begin},${end}] are out of range: the data section has ${dataLen} bytes`);
  const d = dtype as SafetensorsDType;
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  check(count * READERS[d].size === end - begin, where, () =>
    `${t}: shape ${show(shape)} × ${d} (${READERS[d].size} bytes) needs ${count * READERS[d].size} bytes but data_offsets [${begin},${end}] span ${end - begin}`);
  return { name, dtype: d, shape: (shape as number[]).map((s) => s + 0), begin, end };
}

/**
 * Parse safetensors bytes into tensors and metadata.
 *
 * F32, F64 and I32 load as float32, float64 and int32; F16 and BF16 as float32 (exactly); I64 as int32 when every
 * value fits (else an error naming the tensor); I16, I8, U8 and BOOL as int32. The whole file is validated first
 * (header, offsets covering the data section with no gaps, overlaps or trailing bytes, as the spec requires):
 * anything wrong throws a HopgradError saying what and where, and nothing is returned half-loaded. The data is
 * copied into fresh typed arrays, so `bytes` may be unaligned and is not retained.
 */
export function parseSafetensors(bytes: Uint8Array): ParsedSafetensors {
  const where = 'parseSafetensors';
  check(bytes instanceof Uint8Array, where, () => `bytes must be a Uint8Array, got ${String(bytes)}`);
  check(bytes.length >= 8, where, () => `file is ${bytes.length} bytes, shorter than the 8-byte header length field`);
  const head = dv(bytes);
  const n = head.getUint32(0, true) + head.getUint32(4, true) * 2 ** 32;
  check(n <= bytes.length - 8, where, () => `header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  check(n <= MAX_HEADER, where, () => `header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new HopgradError(`${where}: header is not valid UTF-8`);
  }
  check(text.startsWith('{'), where, () => `header must be a JSON object starting with "{", got ${show(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new HopgradError(`${where}: header is not valid JSON (${(e as Error).message})`);
  }
  check(isPlainObject(header), where, 'header must be a JSON object');
  const dup = duplicateKey(text);
  check(dup === undefined, where, () => `header has the key ${JSON.stringify(dup)} more than once`);

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name !== '__metadata__') {
      entries.push(readEntry(name, info, dataLen));
      continue;
    }
    if (info === null) continue;
    check(isPlainObject(info), where, () => `"__metadata__" must be an object of strings, got ${show(info)}`);
    for (const [k, v] of Object.entries(info)) {
      check(typeof v === 'string', where, () => `"__metadata__" value for ${JSON.stringify(k)} must be a string, got ${show(v)}`);
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    check(e.begin <= pos, where, () => `data section has a gap: bytes ${pos}..${e.begin} belong to no tensor (before tensor ${JSON.stringify(e.name)})`);
    check(e.begin >= pos, where, () => `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin},${e.end}] overlap the previous tensor, which ends at ${pos}`);
    pos = e.end;
  }
  check(pos === dataLen, where, () => `data section has ${dataLen - pos} trailing bytes after the last tensor (tensors cover ${pos} of ${dataLen} bytes)`);

  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    const t = new Tensor(READERS[e.dtype].read(src, (e.end - e.begin) / READERS[e.dtype].size, e.name), e.shape);
    Object.defineProperty(tensors, e.name, { value: t, enumerable: true, writable: true, configurable: true });
  }
  return { tensors, metadata };
}
