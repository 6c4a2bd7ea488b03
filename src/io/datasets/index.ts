// Browser-safe dataset parsers (re-exported flat by src/io: `io.parseMnist` in 'hopgrad'): bytes or text in, typed arrays out, with errors
// that name the source and what is wrong. Reading and inflating files on disk: 'hopgrad/node' (src/node/datasets.ts).
export { IDX_DTYPES, parseIdx, serializeIdx, isGzip, gunzip } from './idx.js';
export type { IdxArray, IdxDType, SourceOptions } from './idx.js';
export { parseMnist, bytesToUnit } from './mnist.js';
export type { ImageSet, MnistSourceOptions } from './mnist.js';
export { parseCifar10, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES } from './cifar.js';
export type { CifarSet } from './cifar.js';
export { parseMilCsv, stratifiedKFold } from './mil.js';
export type { MilBag, MilDataset, MilCsvOptions, Fold } from './mil.js';
export { parseTimeSeriesCsv, chronologicalSplit, standardize, slidingWindows } from './timeseries.js';
export type { TimeSeries, TimeSeriesCsvOptions, Range, Scaler, Windows } from './timeseries.js';
