// safetensors core: round trips, exact bytes against reference outputs, the Python-written fixture, dtype conversion.
// Malformed input lives in safetensors-malformed.test.ts, the Node file helpers in safetensors-node.test.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { _hostEndian, parseSafetensors, serializeSafetensors } from '../src/io/safetensors.js';
import * as io from '../src/io/index.js';
import { loadSafetensorsSync } from '../src/node/fs.js';
import { Tensor } from '../src/tensor/tensor.js';
import type { TypedArray } from '../src/tensor/dtype.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/python-written.safetensors', import.meta.url));
const enc = (s: string): number[] => [...new TextEncoder().encode(s)];
const u64 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, 0, 0, 0, 0];
const f32le = (xs: number[]): number[] => [...new Uint8Array(new Float32Array(xs).buffer)];
/** Byte patterns of a typed array, so NaN payloads and -0 compare exactly. */
const bits = (a: TypedArray): number[] => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];
const headerOf = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(8, 8 + new DataView(b.buffer, b.byteOffset).getUint32(0, true)));

function roundTrip(ts: Record<string, Tensor>, meta?: Record<string, string>) {
  return parseSafetensors(serializeSafetensors(ts, meta));
}

describe('serializeSafetensors / parseSafetensors round trip', () => {
  it('keeps dtype, shape and values of float32, float64 and int32 tensors, incl. 0-d and zero-size', () => {
    const ts = {
      w: new Tensor(new Float32Array([1, -2.5, 3e-40, -0, NaN, Infinity]), [2, 3]),
      d: new Tensor(new Float64Array([Math.PI, -Infinity, 5e-324]), [3]),
      idx: new Tensor(new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 7]), [2, 1, 2]),
      s: new Tensor(new Float64Array([42]), []),
      z: new Tensor(new Float32Array(0), [3, 0, 2]),
    };
    const { tensors, metadata } = roundTrip(ts);
    expect(metadata).toEqual({});
    expect(Object.keys(tensors).sort()).toEqual(['d', 'idx', 's', 'w', 'z']);
    for (const [k, t] of Object.entries(ts)) {
      const u = tensors[k]!;
      expect(u.dtype).toBe(t.dtype);
      expect(u.shape).toEqual(t.shape);
      expect(bits(u.dataSync())).toEqual(bits(t.dataSync()));
    }
  });

  it('writes non-contiguous views in row-major order', () => {
    const storage = new Float32Array([1, 2, 3, 4, 5, 6]); // [2,3]; the view below is its transpose
    const { tensors } = roundTrip({ t: new Tensor(storage, [3, 2], [1, 3]) });
    expect(tensors.t!.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  it('keeps NaN payloads bit-exact', () => {
    const raw = new Uint32Array([0x7fc00001, 0xffbfffff, 0x7f800001]);
    const t = new Tensor(new Float32Array(raw.buffer), [3]);
    expect(bits(roundTrip({ t }).tensors.t!.dataSync())).toEqual(bits(t.dataSync()));
  });

  it('round-trips metadata and awkward names (unicode, "__proto__", integer-like, empty)', () => {
    const names = ['h\u00e9llo \u2713', '__proto__', '10', '2', '', 'a.b.c', '\ud83d\ude00', 'lone \ud800'];
    const ts: Record<string, Tensor> = {};
    names.forEach((n, i) => Object.defineProperty(ts, n, { value: new Tensor(new Int32Array([i]), [1]), enumerable: true }));
    const meta = { format: 'pt', '__proto__x': 'y', '1': 'one', note: 'ünï\u2028"\\' };
    const { tensors, metadata } = roundTrip(ts, meta);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    for (const [i, n] of names.entries()) expect(Object.getOwnPropertyDescriptor(tensors, n)?.value.dataSync()).toEqual(new Int32Array([i]));
    expect(metadata).toEqual(meta);
  });

  it('does not keep a reference to the input bytes and reads unaligned buffers', () => {
    const b = serializeSafetensors({ a: new Tensor(new Float64Array([1, 2]), [2]) });
    const shifted = new Uint8Array(b.length + 3);
    shifted.set(b, 3);
    const view = shifted.subarray(3);
    const { tensors } = parseSafetensors(view);
    view.fill(0);
    expect(tensors.a!.dataSync()).toEqual(new Float64Array([1, 2]));
  });

  it('is exported from the io namespace', () => {
    expect(io.serializeSafetensors).toBe(serializeSafetensors);
    expect(io.parseSafetensors).toBe(parseSafetensors);
  });
});

describe('serializeSafetensors bytes', () => {
  // The three expected outputs are the reference implementation's own unit-test vectors (safetensors/src/tensor.rs).
  it('matches the reference writer for one F32 tensor', () => {
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'; // 64 bytes: no padding
    const expected = [...u64(64), ...enc(json), ...f32le([0, 1, 2, 3, 4, 5])];
    const out = serializeSafetensors({ 'attn.0': new Tensor(new Float32Array([0, 1, 2, 3, 4, 5]), [1, 2, 3]) });
    expect([...out]).toEqual(expected);
  });

  it('matches the reference writer for an empty file, with and without metadata', () => {
    expect([...serializeSafetensors({})]).toEqual([...u64(8), ...enc('{}      ')]);
    const meta = '{"__metadata__":{"framework":"pt"}}     ';
    expect([...serializeSafetensors({}, { framework: 'pt' })]).toEqual([...u64(40), ...enc(meta)]);
  });

  it('pads the header with spaces so the data starts at a multiple of 8', () => {
    for (let len = 0; len < 24; len++) {
      const b = serializeSafetensors({ ['x'.repeat(len)]: new Tensor(new Float64Array([1]), [1]) });
      const n = new DataView(b.buffer).getUint32(0, true);
      expect(n % 8).toBe(0);
      expect(headerOf(b)).toMatch(/^\{.*\} *$/);
      expect(b.length).toBe(8 + n + 8);
    }
  });

  it('orders tensors like the reference writer: F64, then F32, then I32, by name within a dtype', () => {
    const b = serializeSafetensors(
      { b: new Tensor(new Int32Array([1]), [1]), a: new Tensor(new Float32Array([2]), [1]), z: new Tensor(new Float64Array([3]), [1]),
        c: new Tensor(new Float32Array([4, 5]), [2]), '0': new Tensor(new Int32Array([6]), [1]) },
      { b: '1', a: '2' },
    );
    expect(headerOf(b).trimEnd()).toBe(
      '{"__metadata__":{"a":"2","b":"1"},"z":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"c":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},' +
        '"0":{"dtype":"I32","shape":[1],"data_offsets":[20,24]},"b":{"dtype":"I32","shape":[1],"data_offsets":[24,28]}}',
    );
  });

  it('writes little-endian data even on a big-endian host (byte-swap path)', () => {
    const ts = { d: new Tensor(new Float64Array([1.5, -2]), [2]), i: new Tensor(new Int32Array([0x01020304]), [1]) };
    const le = serializeSafetensors(ts);
    _hostEndian.little = false;
    try {
      const swapped = serializeSafetensors(ts); // on this (little-endian) host the "big-endian" path stores swapped bytes
      const data = (b: Uint8Array) => [...b.subarray(b.length - 20)];
      expect(data(swapped)).toEqual([...data(le).slice(0, 8).reverse(), ...data(le).slice(8, 16).reverse(), ...data(le).slice(16).reverse()]);
      expect(parseSafetensors(swapped).tensors.d!.dataSync()).toEqual(new Float64Array([1.5, -2]));
    } finally {
      _hostEndian.little = true;
    }
  });
});

describe('files written by the Python safetensors library', () => {
  it('loads every tensor of the fixture with the expected dtype, shape and values', () => {
    const { tensors, metadata } = loadSafetensorsSync(FIXTURE);
    expect(parseSafetensors(readFileSync(FIXTURE)).metadata).toEqual(metadata);
    expect(metadata).toEqual({ format: 'pt', note: 'written by make_safetensors_fixture.py' });
    const want: Record<string, [string, number[], number[]]> = {
      counts: ['int32', [3], [7, -2147483648, 2147483647]],
      f64: ['float64', [2, 2], [1.5, -0, 1e-310, 1 / 3]],
      f32: ['float32', [2, 3], [0, 1, -2.5, 3.25, Infinity, -Infinity]],
      scalar: ['float32', [], [Math.fround(3.14159)]],
      empty: ['float32', [2, 0, 3], []],
      'h\u00e9llo': ['float32', [1], [42]],
      i32: ['int32', [4], [1, -1, 2147483647, -2147483648]],
      bf16: ['float32', [4], [1, -2, 3.140625, -Infinity]],
      f16: ['float32', [6], [0.5, -0, 65504, 2 ** -24, Infinity, NaN]],
    };
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(want).sort());
    for (const [name, [dtype, shape, values]] of Object.entries(want)) {
      const t = tensors[name]!;
      expect([name, t.dtype, t.shape]).toEqual([name, dtype, shape]);
      expect([...t.dataSync()]).toEqual(values); // toEqual tells -0 from 0 and matches NaN
    }
    expect(tensors.scalar!.item()).toBe(Math.fround(3.14159));
  });
});

/** A file with one tensor of `dtype` holding `raw` bytes. */
function oneTensor(dtype: string, shape: number[], raw: number[]): Uint8Array {
  let json = JSON.stringify({ t: { dtype, shape, data_offsets: [0, raw.length] } });
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  return new Uint8Array([...u64(json.length), ...enc(json), ...raw]);
}

describe('dtype conversion on load', () => {
  it('widens I8, U8, I16 and BOOL to int32', () => {
    const load = (d: string, shape: number[], raw: number[]) => {
      const t = parseSafetensors(oneTensor(d, shape, raw)).tensors.t!;
      expect(t.dtype).toBe('int32');
      return [...t.dataSync()];
    };
    expect(load('I8', [3], [0x80, 0xff, 0x7f])).toEqual([-128, -1, 127]);
    expect(load('U8', [3], [0x80, 0xff, 0x7f])).toEqual([128, 255, 127]);
    expect(load('I16', [2], [0x00, 0x80, 0xfe, 0xff])).toEqual([-32768, -2]);
    expect(load('BOOL', [2, 2], [0, 1, 1, 0])).toEqual([0, 1, 1, 0]);
  });

  it('narrows I64 to int32 when every value fits', () => {
    const i64 = (xs: bigint[]) => [...new Uint8Array(new BigInt64Array(xs).buffer)];
    const t = parseSafetensors(oneTensor('I64', [4], i64([0n, -1n, 2n ** 31n - 1n, -(2n ** 31n)]))).tensors.t!;
    expect([...t.dataSync()]).toEqual([0, -1, 2 ** 31 - 1, -(2 ** 31)]);
  });

  it('converts every F16 bit pattern exactly', () => {
    const raw = new Uint16Array(65536).map((_, i) => i);
    const t = parseSafetensors(oneTensor('F16', [65536], [...new Uint8Array(raw.buffer)])).tensors.t!;
    const got = t.dataSync();
    for (let h = 0; h < 65536; h++) {
      const e = (h >> 10) & 31;
      const m = h & 1023;
      const s = h & 0x8000 ? -1 : 1;
      const want = e === 31 ? (m ? NaN : s * Infinity) : e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
      if (!Object.is(got[h], want)) expect([h, got[h]]).toEqual([h, want]);
    }
  });

  it('converts BF16 by placing the bits in the top half of a float32', () => {
    const t = parseSafetensors(oneTensor('BF16', [3], [0x80, 0x3f, 0xc1, 0x7f, 0x01, 0x00])).tensors.t!;
    expect([...new Uint32Array(t.dataSync().buffer)]).toEqual([0x3f800000, 0x7fc10000, 0x00010000]);
  });
});
