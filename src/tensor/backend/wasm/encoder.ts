// A small WebAssembly binary encoder: LEB128, the module's sections (types, one imported memory, functions,
// exports, code) and a function-body builder with the MVP, SIMD (0xfd-prefixed) and atomic (0xfe-prefixed)
// instructions the wasm backend's kernels use. The kernels (gen-*.ts) are written against `Code`; module.ts
// assembles them. Nothing here is specific to a kernel; the encoding follows the WebAssembly 2.0 spec (§5).

/** Value types (binary encodings). */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function str(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** One-byte MVP instructions without immediates. */
const PLAIN = {
  'unreachable': 0x00, 'nop': 0x01, 'return': 0x0f, 'drop': 0x1a, 'select': 0x1b,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'f32.eq': 0x5b, 'f32.ne': 0x5c, 'f32.lt': 0x5d, 'f32.gt': 0x5e, 'f32.le': 0x5f, 'f32.ge': 0x60,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.div_s': 0x6d, 'i32.div_u': 0x6e, 'i32.rem_s': 0x6f,
  'i32.rem_u': 0x70, 'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_s': 0x75,
  'i32.shr_u': 0x76,
  'f32.abs': 0x8b, 'f32.neg': 0x8c, 'f32.sqrt': 0x91, 'f32.add': 0x92, 'f32.sub': 0x93, 'f32.mul': 0x94,
  'f32.div': 0x95, 'f32.min': 0x96, 'f32.max': 0x97,
  'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2, 'f64.div': 0xa3,
  'f64.sqrt': 0x9f, 'f32.convert_i32_s': 0xb2, 'f32.demote_f64': 0xb6, 'f64.convert_i32_s': 0xb7, 'f64.promote_f32': 0xbb,
} as const;

/** SIMD instructions without immediates (0xfd prefix, LEB opcode). */
const SIMD = {
  'i32x4.splat': 0x11, 'f32x4.splat': 0x13, 'f64x2.splat': 0x14,
  'f32x4.eq': 0x41, 'f32x4.ne': 0x42, 'f32x4.lt': 0x43, 'f32x4.gt': 0x44, 'f32x4.le': 0x45, 'f32x4.ge': 0x46,
  'v128.not': 0x4d, 'v128.and': 0x4e, 'v128.andnot': 0x4f, 'v128.or': 0x50, 'v128.xor': 0x51,
  'v128.bitselect': 0x52, 'v128.any_true': 0x53,
  'f32x4.demote_f64x2_zero': 0x5e, 'f64x2.promote_low_f32x4': 0x5f,
  'f32x4.ceil': 0x67, 'f32x4.floor': 0x68, 'f32x4.trunc': 0x69, 'f32x4.nearest': 0x6a,
  'i32x4.shl': 0xab, 'i32x4.shr_s': 0xac, 'i32x4.shr_u': 0xad, 'i32x4.add': 0xae, 'i32x4.sub': 0xb1,
  'i32x4.mul': 0xb5, 'i32x4.min_s': 0xb6, 'i32x4.max_s': 0xb8,
  'f32x4.abs': 0xe0, 'f32x4.neg': 0xe1, 'f32x4.sqrt': 0xe3, 'f32x4.add': 0xe4, 'f32x4.sub': 0xe5,
  'f32x4.mul': 0xe6, 'f32x4.div': 0xe7, 'f32x4.min': 0xe8, 'f32x4.max': 0xe9, 'f32x4.pmin': 0xea,
  'f32x4.pmax': 0xeb, 'f64x2.add': 0xf0, 'f64x2.sub': 0xf1, 'f64x2.mul': 0xf2, 'f64x2.div': 0xf3,
  'i32x4.trunc_sat_f32x4_s': 0xf8, 'f32x4.convert_i32x4_s': 0xfa,
  'f32x4.relaxed_madd': 0x105, // relaxed SIMD: a·b + c, fused or not (the engine decides)
} as const;

/** Memory instructions: [prefix or null, opcode, natural alignment log2]. */
const MEM = {
  'i32.load': [null, 0x28, 2], 'f32.load': [null, 0x2a, 2], 'f64.load': [null, 0x2b, 3],
  'i32.store': [null, 0x36, 2], 'f32.store': [null, 0x38, 2], 'f64.store': [null, 0x39, 3],
  'v128.load': [0xfd, 0x00, 4], 'v128.load32_splat': [0xfd, 0x09, 2], 'v128.load64_splat': [0xfd, 0x0a, 3],
  'v128.store': [0xfd, 0x0b, 4], 'v128.load32_zero': [0xfd, 0x5c, 2], 'v128.load64_zero': [0xfd, 0x5d, 3],
  'i32.atomic.load': [0xfe, 0x10, 2], 'i32.atomic.store': [0xfe, 0x17, 2], 'i32.atomic.rmw.add': [0xfe, 0x1e, 2],
} as const;

export type PlainOp = keyof typeof PLAIN;
export type SimdOp = keyof typeof SIMD;
export type MemOp = keyof typeof MEM;

/** A branch target opened by block/loop/if. */
export interface Label { readonly id: number }

/** A local variable index (parameters first). */
export type Local = number;

/** A tuple of N locals. */
export type Locals<N extends number, R extends Local[] = []> = R['length'] extends N ? R : Locals<N, [Local, ...R]>;

/** Builder of one function body. Structured control takes callbacks; branches name labels, not depths. */
export class Code {
  readonly bytes: number[] = [];
  private readonly localTypes: ValType[] = [];
  private readonly labels: number[] = [];
  private nextLabel = 0;

  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[]) {}

  /** A new local of `type`. */
  local(type: ValType): Local {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  /** Several new locals of one type. */
  locals<N extends number>(type: ValType, n: N): Locals<N> {
    return Array.from({ length: n }, () => this.local(type)) as Locals<N>;
  }

  op(name: PlainOp): this { this.bytes.push(PLAIN[name]); return this; }
  v(name: SimdOp): this { this.bytes.push(0xfd, ...uleb(SIMD[name])); return this; }
  /** A memory access with a constant byte offset (address on the stack). */
  mem(name: MemOp, offset = 0): this {
    const [prefix, code, align] = MEM[name];
    if (prefix === null) this.bytes.push(code); else this.bytes.push(prefix, ...uleb(code));
    this.bytes.push(...uleb(align), ...uleb(offset));
    return this;
  }
  get(l: Local): this { this.bytes.push(0x20, ...uleb(l)); return this; }
  set(l: Local): this { this.bytes.push(0x21, ...uleb(l)); return this; }
  tee(l: Local): this { this.bytes.push(0x22, ...uleb(l)); return this; }
  i32(n: number): this { this.bytes.push(0x41, ...sleb(n)); return this; }
  f32(x: number): this {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    this.bytes.push(0x43, ...b);
    return this;
  }
  f64(x: number): this {
    const b = new Uint8Array(new Float64Array([x]).buffer);
    this.bytes.push(0x44, ...b);
    return this;
  }
  /** v128.const of four f32 lanes. */
  f32x4(a: number, b = a, c = a, d = a): this {
    this.bytes.push(0xfd, ...uleb(0x0c), ...new Uint8Array(new Float32Array([a, b, c, d]).buffer));
    return this;
  }
  /** v128.const of four i32 lanes. */
  i32x4(a: number, b = a, c = a, d = a): this {
    this.bytes.push(0xfd, ...uleb(0x0c), ...new Uint8Array(new Int32Array([a, b, c, d]).buffer));
    return this;
  }
  shuffle(lanes: readonly number[]): this { this.bytes.push(0xfd, ...uleb(0x0d), ...lanes); return this; }
  extractF32(lane: number): this { this.bytes.push(0xfd, ...uleb(0x1f), lane); return this; }
  extractF64(lane: number): this { this.bytes.push(0xfd, ...uleb(0x21), lane); return this; }
  call(fn: number): this { this.bytes.push(0x10, ...uleb(fn)); return this; }
  /** memory.atomic.notify (address, count on the stack) → woken count. */
  notify(): this { this.bytes.push(0xfe, 0x00, 2, 0); return this; }

  /** i32 local += n. */
  inc(l: Local, n: number | Local, isLocal = false): this {
    this.get(l);
    if (isLocal) this.get(n); else this.i32(n);
    return this.op('i32.add').set(l);
  }

  private open(opcode: number, body: (l: Label) => void, type = 0x40): void {
    const id = this.nextLabel++;
    this.bytes.push(opcode, type);
    this.labels.push(id);
    body({ id });
    this.labels.pop();
  }
  block(body: (l: Label) => void): this { this.open(0x02, body); this.bytes.push(0x0b); return this; }
  loop(body: (l: Label) => void): this { this.open(0x03, body); this.bytes.push(0x0b); return this; }
  /** if (condition on the stack) then … else … end. */
  if(then: (l: Label) => void, otherwise?: (l: Label) => void): this {
    const id = this.nextLabel++;
    this.bytes.push(0x04, 0x40);
    this.labels.push(id);
    then({ id });
    if (otherwise) {
      this.bytes.push(0x05);
      otherwise({ id });
    }
    this.labels.pop();
    this.bytes.push(0x0b);
    return this;
  }
  private depth(l: Label): number {
    const i = this.labels.lastIndexOf(l.id);
    if (i < 0) throw new Error('wasm encoder: branch to a label that is not open');
    return this.labels.length - 1 - i;
  }
  br(l: Label): this { this.bytes.push(0x0c, ...uleb(this.depth(l))); return this; }
  brIf(l: Label): this { this.bytes.push(0x0d, ...uleb(this.depth(l))); return this; }

  /**
   * for (i = start; i < end; i += step) body — `start`/`end` emit an i32; `end` is re-evaluated each trip
   * (pass a local getter). Signed comparison.
   */
  for(i: Local, start: () => void, end: () => void, step: number, body: (brk: Label) => void): this {
    start();
    this.set(i);
    return this.block((brk) => {
      this.loop((top) => {
        this.get(i); end(); this.op('i32.ge_s').brIf(brk);
        body(brk);
        this.inc(i, step).br(top);
      });
    });
  }

  /** The encoded body: local declarations (run-length) + code + end. */
  encode(): number[] {
    const runs: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++; else runs.push([1, t]);
    }
    const body = [...uleb(runs.length), ...runs.flatMap(([n, t]) => [...uleb(n), t]), ...this.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** A function of a module under construction. */
interface FuncDef { name: string | null; code: Code }

/** Memory import limits: pages, and whether the memory is shared (then `maximum` is required). */
export interface MemoryImport { initial: number; maximum: number; shared: boolean }

/** Builds a module whose only import is `env.memory`. */
export class ModuleBuilder {
  private readonly funcs: FuncDef[] = [];

  /** Declare a function (its index is returned at once so others can call it); fill its body with `build`. */
  func<const P extends readonly ValType[]>(name: string | null, params: P, results: readonly ValType[],
    build: (c: Code, p: { [K in keyof P]: Local }) => void): number {
    const code = new Code(params, results);
    const index = this.funcs.length;
    this.funcs.push({ name, code });
    build(code, params.map((_, i) => i) as { [K in keyof P]: Local });
    return index;
  }

  /** The module's bytes. */
  encode(mem: MemoryImport): Uint8Array<ArrayBuffer> {
    const typeKeys: string[] = [];
    const typeOf = this.funcs.map(({ code }) => {
      const key = `${code.params.join(',')}:${code.results.join(',')}`;
      let i = typeKeys.indexOf(key);
      if (i < 0) { typeKeys.push(key); i = typeKeys.length - 1; }
      return i;
    });
    const types = typeKeys.flatMap((k) => {
      const [p, r] = k.split(':').map((s) => (s ? s.split(',').map(Number) : [])) as [number[], number[]];
      return [0x60, ...uleb(p.length), ...p, ...uleb(r.length), ...r];
    });
    const limits = mem.shared
      ? [0x03, ...uleb(mem.initial), ...uleb(mem.maximum)]
      : [0x01, ...uleb(mem.initial), ...uleb(mem.maximum)];
    const imports = [...uleb(1), ...str('env'), ...str('memory'), 0x02, ...limits];
    const exported = this.funcs.map((f, i) => [f.name, i] as const).filter((e): e is readonly [string, number] => e[0] !== null);
    const exports = [...uleb(exported.length), ...exported.flatMap(([n, i]) => [...str(n), 0x00, ...uleb(i)])];
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, [...uleb(typeKeys.length), ...types]),
      ...section(2, imports),
      ...section(3, [...uleb(this.funcs.length), ...typeOf.flatMap((t) => uleb(t))]),
      ...section(7, exports),
      ...section(10, [...uleb(this.funcs.length), ...this.funcs.flatMap((f) => f.code.encode())]),
    ];
    return new Uint8Array(bytes);
  }
}
