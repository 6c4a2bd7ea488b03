// Checkpoints: 4 epochs straight equal 2 epochs + checkpoint + resume (into freshly built, differently seeded
// objects) + 2 epochs, bit for bit — weights, AdamW state, cosine schedule, shuffling and dropout generators,
// history. Resume is all-or-nothing, and damaged or foreign files get a clear error.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, manualSeed, nn, optim, randn, tensor, type Tensor } from '../src/index.js';
import { type Json, CHECKPOINT_FILE, readCheckpoint, resumeCheckpoint, saveCheckpoint } from '../src/cli/checkpoint.js';
import { defaultGenerator } from '../src/tensor/random.js';
import { saveSafetensors } from '../src/node/fs.js';

const EPOCHS = 4;
const BATCH = 8;
const N = 40;

/** A run's live objects, built from `initSeed` (weights and dropout draw from the default generator). */
function build(initSeed: number) {
  manualSeed(initSeed);
  const model = new nn.Sequential(new nn.Linear(6, 16), new nn.Tanh(), new nn.Dropout(0.2), new nn.Linear(16, 3));
  const optimizer = new optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.05 });
  const steps = EPOCHS * Math.ceil(N / BATCH);
  const scheduler = new optim.LRScheduler(optimizer, optim.cosineAnnealing({ baseLr: 1e-2, tMax: steps, warmupSteps: 2 }));
  const shuffle = new Generator(1000 + initSeed);
  return { model, optimizer, scheduler, shuffle };
}

const data = (() => {
  const g = new Generator(42);
  const x = randn([N, 6], { generator: g });
  const y = tensor(Int32Array.from({ length: N }, (_, i) => i % 3));
  return { x, y };
})();

/** One epoch of minibatch training; returns the mean loss. */
function epoch(run: ReturnType<typeof build>): number {
  const perm = run.shuffle.permutation(N);
  let sum = 0;
  run.model.train();
  for (let s = 0; s < N; s += BATCH) {
    const idx = tensor(perm.slice(s, s + BATCH));
    const xb = data.x.indexSelect(0, idx);
    const yb = data.y.indexSelect(0, idx);
    run.optimizer.zeroGrad();
    const loss = nn.crossEntropy(run.model.forward(xb), yb);
    loss.backward();
    run.optimizer.step();
    run.scheduler.step();
    sum += loss.item();
  }
  return sum / (N / BATCH);
}

/** Everything that must match bit for bit: weights, optimizer tensors + meta, scheduler, generators. */
function snapshot(run: ReturnType<typeof build>) {
  const bits = (t: Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
  const sd = run.optimizer.stateDict();
  return {
    model: Object.fromEntries(Object.entries(run.model.stateDict()).map(([k, t]) => [k, bits(t)])),
    optim: Object.fromEntries(Object.entries(sd.tensors).map(([k, t]) => [k, bits(t)])),
    optimMeta: sd.meta,
    scheduler: run.scheduler.stateDict(),
    lr: run.optimizer.paramGroups[0]!.lr,
    shuffle: run.shuffle.state,
    dflt: defaultGenerator.state,
  };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'hopgrad-ckpt-'));

describe('checkpoint', () => {
  it('4 epochs straight equal 2 + checkpoint + resume + 2, bit for bit', async () => {
    const straight = build(7);
    const history: Json[] = [];
    for (let e = 0; e < EPOCHS; e++) history.push({ epoch: e + 1, loss: epoch(straight) });
    const want = snapshot(straight);

    const first = build(7);
    const h1: Json[] = [];
    for (let e = 0; e < 2; e++) h1.push({ epoch: e + 1, loss: epoch(first) });
    const dir = tmp();
    const path = await saveCheckpoint(dir, { ...first, rng: { shuffle: first.shuffle }, epoch: 2, history: h1, extra: { best: 0.5 } });
    expect(path).toBe(join(dir, CHECKPOINT_FILE));

    const second = build(99); // different initial weights, generator positions and a fresh optimizer
    for (let i = 0; i < 17; i++) defaultGenerator.uniform();
    expect(snapshot(second).model).not.toEqual(snapshot(first).model);
    const info = await resumeCheckpoint(dir, { ...second, rng: { shuffle: second.shuffle } });
    expect(info.epoch).toBe(2);
    expect(info.extra).toEqual({ best: 0.5 });
    const h2 = [...info.history];
    for (let e = info.epoch; e < EPOCHS; e++) h2.push({ epoch: e + 1, loss: epoch(second) });

    const got = snapshot(second);
    expect(got).toEqual(want);
    expect(h2).toEqual(history);
    expect(Object.keys(got.optim).length).toBeGreaterThan(0);
  });

  it('resume is all-or-nothing: a later part failing rolls back the model', async () => {
    const a = build(1);
    epoch(a);
    const dir = tmp();
    await saveCheckpoint(dir, { ...a, rng: { shuffle: a.shuffle }, epoch: 1 });
    const b = build(2);
    const sgd = new optim.SGD(b.model.parameters(), { lr: 0.1 }); // another optimizer class: its load fails
    const before = snapshot(b);
    await expect(resumeCheckpoint(dir, { model: b.model, optimizer: sgd, scheduler: b.scheduler, rng: { shuffle: b.shuffle } }))
      .rejects.toThrow(/^resumeCheckpoint: '.*checkpoint\.safetensors': nothing was restored: .*meta\.optimizer must be 'SGD'/);
    expect(snapshot(b)).toEqual(before);
    // a generator the checkpoint does not know: refused before anything is applied
    await expect(resumeCheckpoint(dir, { ...b, rng: { other: new Generator(3) } })).rejects.toThrow(/no state for the random generator 'other'/);
    expect(snapshot(b)).toEqual(before);
    // a model of another architecture
    const wide = new nn.Sequential(new nn.Linear(6, 32), new nn.Tanh(), new nn.Linear(32, 3));
    await expect(resumeCheckpoint(dir, { model: wide })).rejects.toThrow(/nothing was restored: .*shape mismatch for '0\.weight'/);
  });

  it('parts: a checkpoint without an optimizer, damaged files, foreign safetensors', async () => {
    const a = build(3);
    const dir = tmp();
    await saveCheckpoint(dir, { model: a.model, epoch: 0 });
    await expect(resumeCheckpoint(dir, { model: a.model, optimizer: a.optimizer })).rejects.toThrow(/holds no optimizer state, but an optimizer was given/);
    expect((await resumeCheckpoint(dir, { model: a.model })).epoch).toBe(0);
    const file = join(dir, CHECKPOINT_FILE);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 7));
    await expect(readCheckpoint(dir)).rejects.toThrow(/^readCheckpoint: '.*checkpoint\.safetensors': /);
    await saveSafetensors(file, { w: tensor([1, 2]) });
    await expect(resumeCheckpoint(dir, { model: a.model })).rejects.toThrow(/no 'hopgrad\.checkpoint' metadata: not a hopgrad checkpoint/);
    await expect(resumeCheckpoint(join(dir, 'nope'), {})).rejects.toThrow(/cannot read '.*nope\/checkpoint\.safetensors': no such file/);
    await expect(saveCheckpoint(dir, { epoch: -1 })).rejects.toThrow(/epoch must be an integer ≥ 0, got -1/);
  });
});
