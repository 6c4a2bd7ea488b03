// Malformed dataset input gets a HopgradError naming the file and what is wrong: copies of the real files
// truncated or altered in memory (and on disk for the Node loaders), wrong magics, ragged and non-numeric CSV.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  gunzip, parseCifar10, parseIdx, parseMilCsv, parseMnist, parseTimeSeriesCsv, stratifiedKFold,
} from '../src/io/index.js';
import { loadCifar10, loadMilCsv, loadMnist, loadTimeSeriesCsv } from '../src/node/index.js';
import { HopgradError } from '../src/tensor/errors.js';

const data = resolve(import.meta.dirname, '../../shared/data');
const raw = (p: string): Uint8Array => new Uint8Array(gunzipSync(readFileSync(resolve(data, p))));
const images = raw('mnist/subset/t10k-images-idx3-ubyte.gz');
const labels = raw('mnist/subset/t10k-labels-idx1-ubyte.gz');
const cifar = raw('cifar10/test_batch_first1000.bin.gz');
const musk = readFileSync(resolve(data, 'mil/musk1.csv'), 'utf8');
const ett = readFileSync(resolve(data, 'ett/ETTh1.csv'), 'utf8');

/** Expect `f` to throw a HopgradError whose message matches every pattern. */
function throwsWith(f: () => unknown, ...patterns: RegExp[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(HopgradError);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
}

describe('idx / MNIST', () => {
  it('truncated images: names the file, the shape and the byte counts', () => {
    throwsWith(() => parseMnist(images.subarray(0, images.length - 100), labels, { imagesSource: 'imgs.idx' }),
      /^parseIdx: 'imgs\.idx' is truncated: shape \[2000, 28, 28\] of ubyte needs 1568016 bytes, the file has 1567916$/);
    throwsWith(() => parseIdx(images.subarray(0, 10), { source: 'x' }), /'x' is truncated: its header declares 3 dimensions \(16 header bytes\)/);
    throwsWith(() => parseIdx(images.subarray(0, 3)), /is 3 bytes, too short/);
  });

  it('trailing bytes, wrong magic, gzip still compressed', () => {
    const longer = new Uint8Array(labels.length + 5);
    longer.set(labels);
    throwsWith(() => parseIdx(longer, { source: 'l' }), /'l' has 5 trailing bytes/);
    const bad = images.slice();
    bad[0] = 0x50; // 'P'
    throwsWith(() => parseIdx(bad, { source: 'i' }), /'i' has magic number 0x50000803, not an idx file/);
    bad[0] = 0;
    bad[2] = 0x07; // unknown dtype byte
    throwsWith(() => parseIdx(bad), /magic number 0x00000703, not an idx file/);
    const gz = new Uint8Array(readFileSync(resolve(data, 'mnist/subset/t10k-labels-idx1-ubyte.gz')));
    throwsWith(() => parseIdx(gz, { source: 'labels.gz' }), /'labels\.gz' is gzip-compressed \(starts with 1f 8b\): inflate it first/);
  });

  it('images and labels swapped, count mismatch, label out of range', () => {
    throwsWith(() => parseMnist(labels, images, { imagesSource: 'L', labelsSource: 'I' }),
      /'L' is an idx ubyte file of rank 1 \(magic 0x00000801\); MNIST images need magic 0x00000803.*labels file\?/);
    const fewer = labels.slice(0, 8 + 1999);
    new DataView(fewer.buffer).setUint32(4, 1999, false);
    throwsWith(() => parseMnist(images, fewer, { imagesSource: 'a', labelsSource: 'b' }), /'a' holds 2000 images but 'b' holds 1999 labels/);
    const wrong = labels.slice();
    wrong[8 + 17] = 10;
    throwsWith(() => parseMnist(images, wrong, { labelsSource: 'b' }), /'b': label 17 is 10, outside \[0, 9\]/);
  });

  it('Node loader: a truncated .gz file, a missing file, a folder without the split', async () => {
    const dir = mkdtempSync(resolve(tmpdir(), 'hopgrad-bad-'));
    const gz = readFileSync(resolve(data, 'mnist/subset/t10k-images-idx3-ubyte.gz'));
    writeFileSync(resolve(dir, 't10k-images-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1));
    writeFileSync(resolve(dir, 't10k-labels-idx1-ubyte.gz'), readFileSync(resolve(data, 'mnist/subset/t10k-labels-idx1-ubyte.gz')));
    throwsWith(() => loadMnist(dir, { split: 'test' }), /^loadMnist: '.*t10k-images-idx3-ubyte\.gz' starts like gzip but does not inflate: .*truncated or corrupt/);
    throwsWith(() => loadMnist(dir), /^loadMnist: no train images in '.*' \(looked for train-images-idx3-ubyte\[\.gz\].*the folder holds t10k-images/);
    throwsWith(() => loadMnist(resolve(dir, 'nope-images-idx3-ubyte')), /^loadMnist: cannot read '.*nope-images-idx3-ubyte': no such file/);
    throwsWith(() => loadMnist(resolve(dir, 'digits.bin')), /cannot tell the labels file of/);
    // gzip of a truncated raw file: inflates fine, then the idx check names the file
    writeFileSync(resolve(dir, 'x-images-idx3-ubyte.gz'), gzipSync(images.subarray(0, 1000)));
    writeFileSync(resolve(dir, 'x-labels-idx1-ubyte.gz'), gzipSync(labels));
    throwsWith(() => loadMnist(resolve(dir, 'x-images-idx3-ubyte.gz')), /^parseIdx: '.*x-images-idx3-ubyte\.gz' is truncated/);
    await expect(gunzip(gz.subarray(0, 100), { source: 'half.gz' })).rejects.toThrow(/gunzip: 'half\.gz' is not valid gzip data/);
  });
});

describe('CIFAR-10', () => {
  it('truncated batch, bad label byte, gzip, empty', () => {
    throwsWith(() => parseCifar10(cifar.subarray(0, 3073 * 3 + 10), { source: 'b.bin' }),
      /^parseCifar10: 'b\.bin' is 9229 bytes, not a whole number of 3073-byte records \(3 records \+ 10 bytes/);
    const bad = cifar.slice(0, 3073 * 4);
    bad[3073 * 2] = 42;
    throwsWith(() => parseCifar10(bad, { source: 'b.bin' }), /'b\.bin': record 2 has label byte 42, outside \[0, 9\]/);
    throwsWith(() => parseCifar10(new Uint8Array(0)), /'input' is empty/);
    throwsWith(() => parseCifar10(gzipSync(cifar.subarray(0, 3073))), /gzip-compressed/);
    throwsWith(() => loadCifar10(resolve(data, 'mnist')), /no train batches .* in '.*mnist'; the folder holds full, subset/);
  });
});

describe('MIL CSV', () => {
  const lines = musk.trimEnd().split('\n');
  it('ragged row, non-numeric cell, bad label, empty id — with line and column', () => {
    const ragged = [...lines];
    ragged[4] = ragged[4]!.split(',').slice(0, -1).join(',');
    throwsWith(() => parseMilCsv(ragged.join('\n'), { source: 'm.csv' }), /^parseMilCsv: 'm\.csv' line 5 has 167 cells, expected 168/);
    const text = [...lines];
    const cells = text[9]!.split(',');
    cells[6] = 'abc';
    text[9] = cells.join(',');
    throwsWith(() => parseMilCsv(text.join('\n'), { source: 'm.csv' }), /'m\.csv' line 10, column 7: cell "abc" is not a finite number/);
    cells[6] = '';
    text[9] = cells.join(',');
    throwsWith(() => parseMilCsv(text.join('\n'), { source: 'm.csv' }), /line 10, column 7: cell is empty/);
    throwsWith(() => parseMilCsv('2,1,0.5\n', { source: 'm' }), /line 1, column 1 \(label\): 2 is not a binary label/);
    throwsWith(() => parseMilCsv('1, ,0.5\n'), /line 1, column 2 \(bag id\) is empty/);
    throwsWith(() => parseMilCsv('1,1\n'), /needs a label, a bag id and at least one feature/);
    throwsWith(() => parseMilCsv('\n\n'), /has no rows/);
  });

  it("bag labels: 'max' takes the max of instance labels, 'constant' refuses mixed bags; −1 reads as 0", () => {
    const text = '0,a,1\n1,a,2\n0,b,3\n-1,c,4\n';
    const ds = parseMilCsv(text);
    expect(ds.bags.map((b) => [b.id, b.label, b.count])).toEqual([['a', 1, 2], ['b', 0, 1], ['c', 0, 1]]);
    expect(Array.from(ds.bags[0]!.instanceLabels)).toEqual([0, 1]);
    throwsWith(() => parseMilCsv(text, { bagLabel: 'constant', source: 'x' }),
      /'x': bag "a" has rows labelled 0 \(line 1\) and 1 \(line 2\)/);
    // non-contiguous rows of a bag are grouped, in file order
    const g = parseMilCsv('1,a,1\n0,b,2\r\n1,a,3\n');
    expect(Array.from(g.bags[0]!.instances)).toEqual([1, 3]);
  });

  it('Node loader names the path', () => {
    throwsWith(() => loadMilCsv('/nonexistent/musk.csv'), /^loadMilCsv: cannot read '\/nonexistent\/musk\.csv': no such file/);
  });

  it('stratifiedKFold validates k and class sizes', () => {
    throwsWith(() => stratifiedKFold([0, 0, 1, 1], 3), /class 0 has 2 item\(s\), fewer than k = 3/);
    throwsWith(() => stratifiedKFold([0, 1], 1), /k must be an integer ≥ 2, got 1/);
    throwsWith(() => stratifiedKFold([0, NaN, 1], 2), /labels\[1\] is NaN/);
  });
});

describe('time series CSV', () => {
  it('missing column lists the available ones; missing date column', () => {
    throwsWith(() => parseTimeSeriesCsv(ett, { column: 'oil', source: 'ETTh1.csv' }),
      /^parseTimeSeriesCsv: 'ETTh1\.csv' has no column 'oil'; its columns are 'date', 'HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'$/);
    throwsWith(() => parseTimeSeriesCsv(ett, { dateColumn: 'time' }), /no date column 'time'/);
    expect(parseTimeSeriesCsv('a,b\n1,2\n', { dateColumn: null, column: 'a' }).values[0]).toBe(1);
  });

  it('non-numeric cell and ragged row name the line and column', () => {
    const rows = ett.split('\n');
    const bad = [...rows];
    bad[101] = bad[101]!.replace(/,[^,]*$/, ',n/a');
    throwsWith(() => parseTimeSeriesCsv(bad.join('\n'), { column: 'OT', source: 'e.csv' }),
      /'e\.csv' line 102, column 8 \('OT'\): cell "n\/a" is not a finite number/);
    const ragged = [...rows];
    ragged[50] = ragged[50]!.replace(/,[^,]*$/, '');
    throwsWith(() => parseTimeSeriesCsv(ragged.join('\n'), { source: 'e.csv' }), /'e\.csv' line 51 has 7 cells, expected 8/);
    throwsWith(() => parseTimeSeriesCsv('date,OT\n'), /has a header but no data rows/);
    throwsWith(() => parseTimeSeriesCsv(''), /is empty/);
    throwsWith(() => parseTimeSeriesCsv('date,OT\nx,"1\n'), /line 2: unterminated quoted cell/);
  });

  it('Node loader: gzipped CSV reads like the plain file; missing file is named', () => {
    const dir = mkdtempSync(resolve(tmpdir(), 'hopgrad-ts-'));
    writeFileSync(resolve(dir, 'e.csv.gz'), gzipSync(ett));
    expect(loadTimeSeriesCsv(resolve(dir, 'e.csv.gz')).values.length).toBe(17_420);
    throwsWith(() => loadTimeSeriesCsv(resolve(dir, 'none.csv')), /^loadTimeSeriesCsv: cannot read '.*none\.csv': no such file$/);
    throwsWith(() => loadTimeSeriesCsv(dir), /it is a directory, not a file/);
  });
});
