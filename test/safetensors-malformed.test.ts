// safetensors validation: every malformed file gives a HopgradError naming the problem; lenient-but-valid inputs load.
// Files are built by hand from header text and data bytes.
import { describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '../src/io/safetensors.js';
import { HopgradError } from '../src/tensor/errors.js';
import { Tensor } from '../src/tensor/tensor.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** 8-byte LE length (`n` overrides it), header bytes, data bytes. */
function file(header: string | Uint8Array, data: number[] | number = [], n?: number): Uint8Array {
  const h = typeof header === 'string' ? enc(header) : header;
  const d = typeof data === 'number' ? new Uint8Array(data) : new Uint8Array(data);
  const out = new Uint8Array(8 + h.length + d.length);
  const v = new DataView(out.buffer);
  const len = n ?? h.length;
  v.setUint32(0, len % 2 ** 32, true);
  v.setUint32(4, Math.floor(len / 2 ** 32), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}
const entry = (dtype: unknown, shape: unknown, offs: unknown) => ({ dtype, shape, data_offsets: offs });
const hdr = (o: Record<string, unknown>): string => JSON.stringify(o);

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    parseSafetensors(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HopgradError);
  expect((err as Error).message).toMatch(/^parseSafetensors: /);
  expect((err as Error).message).toMatch(pattern);
}

const f32 = (o: [number, number], shape: number[] = [(o[1] - o[0]) / 4]) => entry('F32', shape, o);

describe('parseSafetensors rejects malformed files', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty input', new Uint8Array(0), /file is 0 bytes, shorter than the 8-byte/],
    ['7 bytes', new Uint8Array(7), /file is 7 bytes/],
    ['header length past the end', file('{}', [], 100), /header length 100 runs past the end of the file \(10 bytes\)/],
    ['header length with high bits set', file('{}', [], 2 ** 40), /header length 1099511627776 runs past/],
    ['invalid UTF-8', file(new Uint8Array([0x7b, 0xff, 0x7d])), /not valid UTF-8/],
    ['truncated UTF-8 sequence', file(new Uint8Array([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d])), /not valid UTF-8/],
    ['byte-order mark', file(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), /JSON object starting with "\{"/],
    ['leading space', file(' {}'), /starting with "\{"/],
    ['array header', file('[1,2]'), /JSON object/],
    ['empty header', file(''), /JSON object/],
    ['invalid JSON', file('{"a":'), /header is not valid JSON/],
    ['JSON with trailing garbage', file('{}x'), /header is not valid JSON/],
    ['entry not an object', file(hdr({ a: 5 })), /tensor "a": header entry must be an object, got 5/],
    ['missing dtype', file(hdr({ a: { shape: [1], data_offsets: [0, 4] } }), 4), /tensor "a": missing or invalid "dtype"/],
    ['numeric dtype', file(hdr({ a: entry(4, [1], [0, 4]) }), 4), /tensor "a": missing or invalid "dtype" 4/],
    ['unsupported dtype', file(hdr({ w: entry('U16', [2], [0, 4]) }), 4), /tensor "w": dtype U16 is not supported \(supported: F32/],
    ['unknown dtype', file(hdr({ w: entry('F128', [1], [0, 16]) }), 16), /dtype F128 is not supported/],
    ['missing shape', file(hdr({ a: { dtype: 'F32', data_offsets: [0, 4] } }), 4), /tensor "a": "shape" must be an array .* got undefined/],
    ['negative dim', file(hdr({ a: entry('F32', [-1], [0, 4]) }), 4), /"shape" must be an array of non-negative integers, got \[-1\]/],
    ['fractional dim', file(hdr({ a: entry('F32', [1.5], [0, 4]) }), 4), /got \[1\.5\]/],
    ['string dim', file(hdr({ a: entry('F32', ['1'], [0, 4]) }), 4), /got \["1"\]/],
    ['huge dim', file('{"a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', 4), /"shape" must be/],
    ['missing offsets', file(hdr({ a: { dtype: 'F32', shape: [1] } }), 4), /tensor "a": "data_offsets" must be \[begin, end\]/],
    ['three offsets', file(hdr({ a: entry('F32', [1], [0, 4, 8]) }), 4), /"data_offsets" must be .* got \[0,4,8\]/],
    ['negative offset', file(hdr({ a: entry('F32', [0], [-4, -4]) })), /"data_offsets" must be/],
    ['end before begin', file(hdr({ a: entry('F32', [0], [8, 4]) }), 8), /tensor "a": data_offsets \[8,4\] end before they begin/],
    ['offsets past the data', file(hdr({ a: f32([0, 8]) }), 4), /tensor "a": data_offsets \[0,8\] are out of range: the data section has 4 bytes/],
    ['size mismatch', file(hdr({ a: entry('F32', [3], [0, 8]) }), 8), /tensor "a": shape \[3\] × F32 \(4 bytes\) needs 12 bytes but data_offsets \[0,8\] span 8/],
    ['overflowing shape', file(hdr({ a: entry('F64', [2 ** 30, 2 ** 30, 2 ** 30], [0, 8]) }), 8), /needs .* bytes but data_offsets \[0,8\] span 8/],
    ['overlap', file(hdr({ a: f32([0, 8]), b: f32([4, 12]) }), 12), /tensor "b": data_offsets \[4,12\] overlap the previous tensor, which ends at 8/],
    ['same range twice', file(hdr({ a: f32([0, 4]), b: f32([0, 4]) }), 4), /tensor "b": data_offsets \[0,4\] overlap/],
    ['gap', file(hdr({ a: f32([0, 4]), b: f32([8, 12]) }), 12), /data section has a gap: bytes 4\.\.8 belong to no tensor \(before tensor "b"\)/],
    ['leading gap', file(hdr({ a: f32([4, 8]) }), 8), /gap: bytes 0\.\.4/],
    ['trailing bytes', file(hdr({ a: f32([0, 4]) }), 6), /data section has 2 trailing bytes after the last tensor/],
    ['data but no tensors', file('{}', 3), /3 trailing bytes/],
    ['duplicate tensor', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /header has the key "a" more than once/],
    ['duplicate escaped name', file('{"\\u0061":{"dtype":"F32","shape":[1],"data_offsets":[0,4]} , "a" :{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /key "a" more than once/],
    ['duplicate field', file('{"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}', 4), /key "dtype" more than once/],
    ['duplicate metadata key', file('{"__metadata__":{"k":"1","k":"2"}}'), /key "k" more than once/],
    ['non-string metadata value', file(hdr({ __metadata__: { k: 1 } })), /"__metadata__" value for "k" must be a string, got 1/],
    ['metadata not an object', file(hdr({ __metadata__: ['a'] })), /"__metadata__" must be an object of strings, got \["a"\]/],
    ['I64 too large for int32', file(hdr({ big: entry('I64', [2], [0, 16]) }), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0]), /tensor "big" \(I64\) holds 2147483648 at element 1, outside the int32 range/],
    ['I64 too small for int32', file(hdr({ s: entry('I64', [1], [0, 8]) }), [0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff]), /holds -2147483649 at element 0/],
    ['BOOL byte other than 0/1', file(hdr({ m: entry('BOOL', [3], [0, 3]) }), [1, 0, 2]), /tensor "m" \(BOOL\) holds byte 2 at element 2/],
  ];
  for (const [name, bytes, pattern] of cases) it(name, () => expectError(bytes, pattern));

  it('rejects a header over the 100 MB limit and input that is not bytes', () => {
    expectError(file('{}', 100_000_001 - 2, 100_000_001), /header length 100000001 exceeds the 100000000-byte limit/);
    expect(() => parseSafetensors('abc' as unknown as Uint8Array)).toThrow(/^parseSafetensors: bytes must be a Uint8Array/);
  });
});

describe('parseSafetensors accepts valid variations', () => {
  it('an unaligned header, trailing whitespace, entries in any order and unknown fields', () => {
    const h = '{"b":{"dtype":"I32","shape":[1],"data_offsets":[4,8],"extra":true},"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}\n\t ';
    const { tensors } = parseSafetensors(file(h, [1, 0, 0, 0, 2, 0, 0, 0]));
    expect(tensors.a!.shape).toEqual([]);
    expect(tensors.a!.item()).toBe(1);
    expect([...tensors.b!.dataSync()]).toEqual([2]);
  });

  it('several zero-size tensors at the same offset, and null metadata', () => {
    const h = hdr({ __metadata__: null, a: f32([0, 0], [0]), b: f32([0, 4]), c: f32([4, 4], [2, 0]), d: f32([4, 4], [0]) });
    const { tensors, metadata } = parseSafetensors(file(h, 4));
    expect(metadata).toEqual({});
    expect(Object.keys(tensors).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(tensors.c!.shape).toEqual([2, 0]);
  });

  it('metadata and names that would collide with Object.prototype', () => {
    const h = hdr({ __metadata__: { __proto__x: '1', constructor: 'c' } }).replace('__proto__x', '__proto__');
    const { metadata } = parseSafetensors(file(h));
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('1');
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(metadata.constructor).toBe('c');
  });
});

describe('serializeSafetensors rejects bad input', () => {
  const t = new Tensor(new Float32Array([1]), [1]);
  it.each([
    ['a non-tensor value', () => serializeSafetensors({ w: [1, 2] as unknown as Tensor }), /tensors\["w"\] must be a Tensor, got 1,2/],
    ['the reserved name', () => serializeSafetensors({ __metadata__: t }), /cannot be named "__metadata__"/],
    ['non-object tensors', () => serializeSafetensors(null as unknown as Record<string, Tensor>), /tensors must be an object/],
    ['a non-string metadata value', () => serializeSafetensors({ t }, { epoch: 3 as unknown as string }), /metadata\["epoch"\] must be a string, got number 3/],
  ])('%s', (_name, fn, pattern) => {
    expect(fn).toThrow(HopgradError);
    expect(fn).toThrow(pattern);
  });
});
