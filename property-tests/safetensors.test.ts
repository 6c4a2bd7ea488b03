// Property tests for safetensors: random state dicts round-trip bit-exactly; corrupted files parse to something
// valid or throw HopgradError, never another error. Set FC_SEED to replay a run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '../src/io/safetensors.js';
import { HopgradError } from '../src/tensor/errors.js';
import { Tensor } from '../src/tensor/tensor.js';
import type { DType, TypedArray } from '../src/tensor/dtype.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const params = { numRuns: 200, ...seed };

const bits = (a: TypedArray): number[] => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];
const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Float values with the awkward ones over-represented. */
const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, Number.MAX_VALUE];
const floatValue = fc.oneof(fc.constantFrom(...SPECIAL), fc.double(), fc.float());

/** One tensor: dtype, shape (0-d and zero-size dims included) and values (raw bit patterns or chosen values). */
const tensorArb: fc.Arbitrary<Tensor> = fc
  .record({
    dtype: fc.constantFrom<DType>('float32', 'float64', 'int32'),
    shape: fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(1)), { maxLength: 4 }),
    raw: fc.boolean(),
  })
  .chain(({ dtype, shape, raw }) => {
    const n = sizeOf(shape);
    const width = dtype === 'float64' ? 8 : 4;
    if (raw) {
      // Arbitrary bit patterns: every NaN payload, subnormal and sign.
      return fc.uint8Array({ minLength: n * width, maxLength: n * width }).map((b) => {
        const buf = b.slice().buffer;
        const data = dtype === 'float64' ? new Float64Array(buf) : dtype === 'float32' ? new Float32Array(buf) : new Int32Array(buf);
        return new Tensor(data, shape);
      });
    }
    const value = dtype === 'int32' ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) : floatValue;
    return fc.array(value, { minLength: n, maxLength: n }).map((xs) => {
      const data = dtype === 'float64' ? Float64Array.from(xs) : dtype === 'float32' ? Float32Array.from(xs) : Int32Array.from(xs);
      return new Tensor(data, shape);
    });
  });

const nameArb = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('0', '17', '__proto__', 'constructor', ''))
  .filter((s) => s !== '__metadata__');

const stateDictArb = fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: (e) => e[0], maxLength: 6 }).map((entries) => {
  const dict: Record<string, Tensor> = {};
  for (const [k, t] of entries) Object.defineProperty(dict, k, { value: t, enumerable: true, writable: true, configurable: true });
  return dict;
});
const metadataArb = fc.option(fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 10 }), { maxKeys: 3 }), { nil: undefined });

describe('safetensors round trip (property)', () => {
  it('random state dicts and metadata come back bit-exactly', () => {
    fc.assert(
      fc.property(stateDictArb, metadataArb, (dict, meta) => {
        const bytes = serializeSafetensors(dict, meta);
        expect((8 + new DataView(bytes.buffer).getUint32(0, true)) % 8).toBe(0);
        const { tensors, metadata } = parseSafetensors(bytes);
        expect(Object.keys(tensors).sort()).toEqual(Object.keys(dict).sort());
        for (const k of Object.keys(dict)) {
          const a = dict[k]!;
          const b = Object.getOwnPropertyDescriptor(tensors, k)!.value as Tensor;
          expect(b.dtype).toBe(a.dtype);
          expect(b.shape).toEqual(a.shape);
          expect(bits(b.dataSync())).toEqual(bits(a.dataSync()));
        }
        expect({ ...metadata }).toEqual({ ...(meta ?? {}) });
        // Serializing what was loaded gives the same bytes.
        expect([...serializeSafetensors(tensors, meta)]).toEqual([...bytes]);
      }),
      params,
    );
  });
});

/** A hand-built file holding the dtypes only other tools write (F16, BF16, I64, I8, U8, I16, BOOL). */
const foreignArb = fc
  .array(
    fc.record({
      dtype: fc.constantFrom('F16', 'BF16', 'I64', 'I8', 'U8', 'I16', 'BOOL', 'F32'),
      shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      seed: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    { maxLength: 4 },
  )
  .map((specs) => {
    const size: Record<string, number> = { F16: 2, BF16: 2, I64: 8, I8: 1, U8: 1, I16: 2, BOOL: 1, F32: 4 };
    const header: Record<string, unknown> = {};
    const chunks: number[] = [];
    specs.forEach((s, i) => {
      const len = sizeOf(s.shape) * size[s.dtype]!;
      header[`t${i}`] = { dtype: s.dtype, shape: s.shape, data_offsets: [chunks.length, chunks.length + len] };
      for (let j = 0; j < len; j++) {
        // Keep I64 in int32 range and BOOL in {0,1} most of the time, so the file is usually valid.
        const b = s.seed[j % s.seed.length]! ^ (j * 37);
        const i64 = s.dtype === 'I64' ? j % 8 : -1;
        chunks.push(s.dtype === 'BOOL' ? b & 1 : i64 >= 4 ? 0 : i64 === 3 ? b & 0x7f : b & 0xff);
      }
    });
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const h = new TextEncoder().encode(json);
    const out = new Uint8Array(8 + h.length + chunks.length);
    new DataView(out.buffer).setUint32(0, h.length, true);
    out.set(h, 8);
    out.set(chunks, 8 + h.length);
    return out;
  });

const fileArb = fc.oneof(stateDictArb.chain((d) => metadataArb.map((m) => serializeSafetensors(d, m))), foreignArb);

/** A corruption: truncate, flip bits, overwrite bytes, or append bytes. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  const out = b.slice();
  if (m.kind === 'truncate') return out.subarray(0, m.at % Math.max(1, b.length));
  if (m.kind === 'append') return new Uint8Array([...b, ...m.extra]);
  if (b.length === 0) return out;
  if (m.kind === 'flip') for (const a of m.at) out[a % b.length]! ^= 1 << m.bit;
  else out[m.at % b.length] = m.value;
  return out;
}

/** What a successful parse must look like, whatever the input was. */
function checkValid(r: ReturnType<typeof parseSafetensors>): void {
  for (const t of Object.values(r.tensors)) {
    expect(t).toBeInstanceOf(Tensor);
    expect(t.dataSync().length).toBe(sizeOf([...t.shape]));
  }
  for (const v of Object.values(r.metadata)) expect(typeof v).toBe('string');
}

describe('safetensors corruption (property)', () => {
  it('valid hand-built files with foreign dtypes load', () => {
    fc.assert(fc.property(foreignArb, (b) => checkValid(parseSafetensors(b))), params);
  });

  it('truncated, bit-flipped, overwritten or extended files parse to something valid or throw HopgradError', () => {
    fc.assert(
      fc.property(fileArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (file, ms) => {
        const bad = ms.reduce(mutate, file);
        let result: ReturnType<typeof parseSafetensors> | undefined;
        try {
          result = parseSafetensors(bad);
        } catch (e) {
          if (!(e instanceof HopgradError)) throw new Error(`non-HopgradError ${String(e)}`);
          expect(e.message).toMatch(/^parseSafetensors: /);
        }
        if (result) checkValid(result);
      }),
      { ...params, numRuns: 500 },
    );
  });
});
