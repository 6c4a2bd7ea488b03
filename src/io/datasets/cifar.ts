// CIFAR-10 binary batches, browser-safe: records of 3,073 bytes (1 label byte, then the 32×32 red plane,
// the green plane and the blue plane, each row-major), already inflated.
import { check } from '../../tensor/errors.js';
import { type SourceOptions, quoteSource, rejectGzip } from './idx.js';
import { type ImageSet, bytesToUnit } from './mnist.js';

/** CIFAR-10 class names, by label. */
export const CIFAR10_CLASSES = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
] as const;

/** Bytes of one CIFAR-10 record. */
export const CIFAR10_RECORD_BYTES = 3073;

/**
 * A CIFAR-10 set: `images` is [count, 3072] float32 in [0, 1], **channel-major as stored** — for image i,
 * element c·1024 + r·32 + x is channel c (0 red, 1 green, 2 blue) at row r, column x, i.e. each row reshapes
 * to [3, 32, 32] (PyTorch's CHW). `rows` = `cols` = 32, `channels` = 3.
 */
export interface CifarSet extends ImageSet {
  channels: number;
}

/**
 * Parse one or more concatenated CIFAR-10 binary batches (inflated bytes). The length must be a multiple of
 * 3,073 and every label byte in [0, 9]; errors name `source` and the record.
 */
export function parseCifar10(bytes: Uint8Array, opts: SourceOptions = {}): CifarSet {
  const where = 'parseCifar10';
  const src = quoteSource(opts.source);
  check(bytes instanceof Uint8Array, where, () => `bytes must be a Uint8Array, got ${String(bytes)}`);
  rejectGzip(where, bytes, opts.source);
  check(bytes.length > 0, where, () => `${src} is empty`);
  const n = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
  const rest = bytes.length % CIFAR10_RECORD_BYTES;
  check(rest === 0, where, () =>
    `${src} is ${bytes.length} bytes, not a whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
    `(${n} records + ${rest} bytes: truncated, or not a CIFAR-10 binary batch)`);
  const labels = new Int32Array(n);
  const pixels = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++) {
    const at = i * CIFAR10_RECORD_BYTES;
    const y = bytes[at]!;
    check(y < 10, where, () => `${src}: record ${i} has label byte ${y}, outside [0, 9] (a CIFAR-100 file has 2 label bytes per record)`);
    labels[i] = y;
    pixels.set(bytes.subarray(at + 1, at + CIFAR10_RECORD_BYTES), i * 3072);
  }
  return { images: bytesToUnit(pixels), labels, count: n, rows: 32, cols: 32, channels: 3 };
}
