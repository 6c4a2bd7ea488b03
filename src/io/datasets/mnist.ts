// MNIST-layout image sets (MNIST, Fashion-MNIST) from a pair of idx files, browser-safe: the images file
// (magic 0x00000803, ubyte [n, rows, cols]) and the labels file (0x00000801, ubyte [n]), already inflated.
import { check } from '../../tensor/errors.js';
import { hex32, parseIdx, quoteSource } from './idx.js';

/** An image set: [count, rows·cols] float32 pixels in [0, 1] (byte / 255, row-major) and int32 labels. */
export interface ImageSet {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** Image height and width (28 × 28 for MNIST). */
  rows: number;
  cols: number;
}

/** Options of `parseMnist`: names of the two sources for error messages. */
export interface MnistSourceOptions {
  imagesSource?: string;
  labelsSource?: string;
  /** Largest valid label (default 9: the ten digit / Fashion-MNIST classes). */
  maxLabel?: number;
}

/**
 * Parse an MNIST images/labels idx pair (inflated bytes) into float32 pixels in [0, 1] and int32 labels.
 * Checks both magics (0x00000803 images, 0x00000801 labels), sizes, equal counts and labels in [0, maxLabel].
 */
export function parseMnist(images: Uint8Array, labels: Uint8Array, opts: MnistSourceOptions = {}): ImageSet {
  const where = 'parseMnist';
  const imgSrc = quoteSource(opts.imagesSource ?? 'images');
  const labSrc = quoteSource(opts.labelsSource ?? 'labels');
  const img = parseIdx(images, { source: opts.imagesSource ?? 'images' });
  const lab = parseIdx(labels, { source: opts.labelsSource ?? 'labels' });
  const magic = (dtypeByte: number, rank: number): string => hex32((dtypeByte << 8) | rank);
  check(img.dtype === 'ubyte' && img.shape.length === 3, where, () =>
    `${imgSrc} is an idx ${img.dtype} file of rank ${img.shape.length} (magic ${img.dtype === 'ubyte' ? magic(8, img.shape.length) : 'type ' + img.dtype}); ` +
    'MNIST images need magic 0x00000803 (ubyte, [n, rows, cols]) — is this the labels file?');
  check(lab.dtype === 'ubyte' && lab.shape.length === 1, where, () =>
    `${labSrc} is an idx ${lab.dtype} file of rank ${lab.shape.length}; MNIST labels need magic 0x00000801 (ubyte, [n]) — is this the images file?`);
  const [n, rows, cols] = img.shape as [number, number, number];
  check(lab.shape[0] === n, where, () => `${imgSrc} holds ${n} images but ${labSrc} holds ${lab.shape[0]} labels`);
  const maxLabel = opts.maxLabel ?? 9;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = lab.data[i]!;
    check(y <= maxLabel, where, () => `${labSrc}: label ${i} is ${y}, outside [0, ${maxLabel}]`);
    out[i] = y;
  }
  return { images: bytesToUnit(img.data as Uint8Array), labels: out, count: n, rows, cols };
}

/** Bytes → float32 in [0, 1] (b / 255, rounded once from float64, as the mnist package's exact bytes give). */
export function bytesToUnit(bytes: Uint8Array): Float32Array {
  const lut = new Float32Array(256);
  for (let b = 0; b < 256; b++) lut[b] = b / 255;
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = lut[bytes[i]!]!;
  return out;
}
