// Unit tests of the losses against values computed plainly from their formulas (and a few PyTorch values),
// every reduction, the stability of the logit forms, the module wrappers and the error messages.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { HopgradError } from '../src/tensor/errors.js';
import { tensor, zeros } from '../src/tensor/creation.js';
import '../src/autograd/index.js';
import * as nn from '../src/nn/index.js';
import { expectAllclose } from './helpers/allclose.js';

const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};
const f64 = (x: number[], shape = [x.length]): Tensor => new Tensor(Float64Array.from(x), shape);
const i32 = (x: number[], shape = [x.length]): Tensor => new Tensor(Int32Array.from(x), shape);
const vals = (t: Tensor): number[] => Array.from(t.dataSync());
const total = (v: number[]): number => v.reduce((a, b) => a + b, 0);
const tight = { rtol: 1e-12, atol: 1e-12 };

/** Check a per-element loss under all three reductions. */
function checkReductions(f: (r: nn.Reduction) => Tensor, per: number[], shape: number[]): void {
  const none = f('none');
  expect(none.shape).toEqual(shape);
  expectAllclose(vals(none), per, tight);
  expectAllclose(f('sum').item(), total(per), tight);
  expectAllclose(f('mean').item(), total(per) / per.length, tight);
  expect(f('mean').shape).toEqual([]);
}

const x = [0.5, -1.25, 2, 0, 3.5, -0.75];
const y = [1, -1, 0.5, 0.25, 3, 0];

describe('regression losses', () => {
  it('mseLoss, l1Loss, huberLoss and smoothL1Loss', () => {
    const X = f64(x, [2, 3]);
    const Y = f64(y, [2, 3]);
    checkReductions((r) => nn.mseLoss(X, Y, { reduction: r }), x.map((v, i) => (v - y[i]!) ** 2), [2, 3]);
    checkReductions((r) => nn.l1Loss(X, Y, { reduction: r }), x.map((v, i) => Math.abs(v - y[i]!)), [2, 3]);
    const hub = (d: number, k: number) => (Math.abs(d) < k ? 0.5 * d * d : k * (Math.abs(d) - 0.5 * k));
    checkReductions((r) => nn.huberLoss(X, Y, { reduction: r, delta: 0.4 }), x.map((v, i) => hub(v - y[i]!, 0.4)), [2, 3]);
    checkReductions((r) => nn.smoothL1Loss(X, Y, { reduction: r, beta: 0.4 }), x.map((v, i) => hub(v - y[i]!, 0.4) / 0.4), [2, 3]);
    expect(nn.mseLoss(tensor([1, 2]), tensor([1, 4])).item()).toBe(2); // PyTorch: F.mse_loss([1,2],[1,4]) = 2
    expect(new nn.MSELoss({ reduction: 'sum' }).forward(tensor([1, 2]), tensor([1, 4])).item()).toBe(4);
    expect(new nn.L1Loss().call(tensor([1, 2]), tensor([1, 4])).item()).toBe(1);
    expectAllclose(new nn.HuberLoss({ delta: 0.4 }).forward(X, Y).item(), total(x.map((v, i) => hub(v - y[i]!, 0.4))) / 6, tight);
  });

  it('validate inputs, targets and reductions', () => {
    err(() => nn.mseLoss(zeros([2, 3]), zeros([3])), 'mseLoss: input shape [2,3] and target shape [3] differ (they must match exactly; reshape the target)');
    err(() => nn.l1Loss(zeros([2]), zeros([2], { dtype: 'int32' })), 'l1Loss: target must be a float tensor, got int32');
    err(() => nn.mseLoss(zeros([2]), zeros([2]), { reduction: 'avg' as never }), "mseLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'");
    err(() => nn.mseLoss([1, 2] as never, zeros([2])), 'mseLoss: input must be a Tensor, got an array');
    err(() => nn.mseLoss(zeros([0, 3]), zeros([0, 3])), "mseLoss: cannot take the mean over an empty input (shape [0,3]); use reduction 'sum'");
    expect(nn.mseLoss(zeros([0, 3]), zeros([0, 3]), { reduction: 'sum' }).item()).toBe(0);
    err(() => nn.huberLoss(zeros([1]), zeros([1]), { delta: 0 }), 'huberLoss: delta must be a positive finite number, got 0');
    err(() => new nn.SmoothL1Loss({ beta: -1 }), 'SmoothL1Loss: beta must be a positive finite number, got -1');
    err(() => new nn.MSELoss({ reduction: 'x' as never }), "MSELoss: reduction must be 'mean', 'sum' or 'none', got 'x'");
  });
});

describe('binary cross-entropy', () => {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const t = [1, 0, 0.3, 1, 0, 0.5];

  it('bceWithLogits matches −y·log σ(x) − (1 − y)·log(1 − σ(x)), with weights and posWeight', () => {
    const X = f64(x, [2, 3]);
    const T = f64(t, [2, 3]);
    const per = x.map((v, i) => -(t[i]! * Math.log(sig(v)) + (1 - t[i]!) * Math.log(1 - sig(v))));
    checkReductions((r) => nn.bceWithLogits(X, T, { reduction: r }), per, [2, 3]);
    const pw = [2, 0.5, 3];
    const perPw = x.map((v, i) => -(pw[i % 3]! * t[i]! * Math.log(sig(v)) + (1 - t[i]!) * Math.log(1 - sig(v))));
    checkReductions((r) => nn.bceWithLogits(X, T, { reduction: r, posWeight: f64(pw) }), perPw, [2, 3]);
    const w = [0.5, 2];
    const perW = per.map((v, i) => v * w[Math.floor(i / 3)]!);
    checkReductions((r) => nn.bceWithLogits(X, T, { reduction: r, weight: f64(w, [2, 1]) }), perW, [2, 3]);
    expectAllclose(nn.bceWithLogits(tensor([0]), tensor([1])).item(), Math.LN2, { rtol: 1e-7 }); // PyTorch: log 2
    const mod = new nn.BCEWithLogitsLoss({ posWeight: f64(pw) });
    expect(mod.stateDict().posWeight).toBeDefined();
    expectAllclose(mod.forward(X, T).item(), total(perPw) / 6, tight);
  });

  it('bceWithLogits is stable for huge logits and its gradient is σ(x) − y, also at x = 0', () => {
    const X = f64([100, -100, 800, -800, 0], [5]).requiresGrad_();
    const T = f64([0, 1, 1, 0, 1], [5]);
    const l = nn.bceWithLogits(X, T, { reduction: 'none' });
    expectAllclose(vals(l), [100, 100, 0, 0, Math.LN2], { rtol: 1e-12, atol: 1e-300 });
    l.sum().backward();
    expectAllclose(vals(X.grad!), [1, -1, 0, 0, -0.5], { rtol: 1e-12, atol: 1e-300 });
  });

  it('binaryCrossEntropy on probabilities clamps log at −100 like PyTorch, with finite gradients', () => {
    const p = [0.9, 0.2, 0.5, 0.999, 0.01, 0.3];
    const P = f64(p, [2, 3]);
    const T = f64(t, [2, 3]);
    const per = p.map((v, i) => -(t[i]! * Math.log(v) + (1 - t[i]!) * Math.log(1 - v)));
    checkReductions((r) => nn.binaryCrossEntropy(P, T, { reduction: r }), per, [2, 3]);
    checkReductions((r) => new nn.BCELoss({ reduction: r, weight: f64([3]) }).forward(P, T), per.map((v) => 3 * v), [2, 3]);
    const edge = f64([0, 1, 0, 1], [4]).requiresGrad_();
    const l = nn.binaryCrossEntropy(edge, f64([1, 0, 0, 1], [4]), { reduction: 'none' });
    expect(vals(l).map((v) => v + 0)).toEqual([100, 100, 0, 0]);
    l.sum().backward();
    expect(vals(edge.grad!).every(Number.isFinite)).toBe(true);
    err(() => nn.binaryCrossEntropy(f64([0.5, 1.5]), f64([0, 1])), 'binaryCrossEntropy: input must hold probabilities in [0, 1], but flat entry 1 is 1.5 (pass logits to bceWithLogits instead)');
    err(() => nn.binaryCrossEntropy(f64([NaN]), f64([0])), 'flat entry 0 is NaN');
    err(() => nn.bceWithLogits(zeros([2, 3]), zeros([2, 3]), { posWeight: zeros([2]) }), 'bceWithLogits: posWeight');
    err(() => nn.bceWithLogits(zeros([2, 3]), zeros([3, 2])), 'bceWithLogits: logits shape [2,3] and target shape [3,2] differ');
  });
});

/** −log softmax(row)[k], plainly. */
function nll(row: number[], k: number): number {
  const m = Math.max(...row);
  return Math.log(total(row.map((v) => Math.exp(v - m)))) + m - row[k]!;
}
const logp = (row: number[]): number[] => row.map((_, k) => -nll(row, k));

describe('crossEntropy and nllLoss', () => {
  const rows = [[1, 2, 3], [0.5, -1, 2], [3, 3, -2], [0, 0, 0]];
  const L = f64(rows.flat(), [4, 3]);
  const tg = [0, 2, 1, 2];

  it('class-index targets, all reductions, and the PyTorch value for [[1,2,3]] → 0', () => {
    expectAllclose(nn.crossEntropy(tensor([[1, 2, 3]]), i32([0])).item(), 2.4076059644443806, { rtol: 1e-6 });
    checkReductions((r) => nn.crossEntropy(L, i32(tg), { reduction: r }), rows.map((r, i) => nll(r, tg[i]!)), [4]);
    const lp = f64(rows.flatMap(logp), [4, 3]);
    checkReductions((r) => nn.nllLoss(lp, i32(tg), { reduction: r }), rows.map((r, i) => nll(r, tg[i]!)), [4]);
    expectAllclose(new nn.CrossEntropyLoss().forward(L, i32(tg)).item(), total(rows.map((r, i) => nll(r, tg[i]!))) / 4, tight);
  });

  it('class weights, ignoreIndex and label smoothing follow PyTorch (mean divides by the kept weight)', () => {
    const w = [0.2, 1, 3];
    const tgI = [0, -100, 1, 2];
    const kept = [0, 2, 3];
    const wsum = total(kept.map((i) => w[tgI[i]!]!));
    const per = rows.map((r, i) => (tgI[i] === -100 ? 0 : w[tgI[i]!]! * nll(r, tgI[i]!)));
    const opts = { weight: f64(w), ignoreIndex: -100 };
    expectAllclose(vals(nn.crossEntropy(L, i32(tgI), { ...opts, reduction: 'none' })), per, tight);
    expectAllclose(nn.crossEntropy(L, i32(tgI), opts).item(), total(per) / wsum, tight);
    const eps = 0.1;
    const smooth = rows.map((r, i) => (tgI[i] === -100 ? 0 : -total(logp(r).map((v, c) => w[c]! * v))));
    const perS = per.map((v, i) => (1 - eps) * v + (eps / 3) * smooth[i]!);
    const so = { ...opts, labelSmoothing: eps };
    expectAllclose(vals(nn.crossEntropy(L, i32(tgI), { ...so, reduction: 'none' })), perS, tight);
    expectAllclose(nn.crossEntropy(L, i32(tgI), { ...so, reduction: 'sum' }).item(), total(perS), tight);
    expectAllclose(nn.crossEntropy(L, i32(tgI), so).item(), total(perS) / wsum, tight);
    // PyTorch: F.cross_entropy([[1,2,3]], [0], label_smoothing=0.1) = 0.9·2.40761 + 0.1/3·(2.40761 + 1.40761 + 0.40761)
    expectAllclose(nn.crossEntropy(tensor([[1, 2, 3]]), i32([0]), { labelSmoothing: 0.1 }).item(), 2.3076059644443806, { rtol: 1e-6 });
    expect(Number.isNaN(nn.crossEntropy(L, i32([-1, -1, -1, -1]), { ignoreIndex: -1 }).item())).toBe(true); // as PyTorch
    // an ignored row's −∞ log-probability cannot leak into the loss
    const masked = f64([-Infinity, 1, 2, 0, 0, 0], [2, 3]);
    expectAllclose(nn.crossEntropy(masked, i32([1, 0])).item(), (nll([-1e300, 1, 2], 1) + Math.log(3)) / 2, tight);
  });

  it('probability targets, with smoothing and weights', () => {
    const probs = [[0.2, 0.5, 0.3], [1, 0, 0], [0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]];
    const P = f64(probs.flat(), [4, 3]);
    const per = rows.map((r, i) => -total(logp(r).map((v, c) => probs[i]![c]! * v)));
    checkReductions((r) => nn.crossEntropy(L, P, { reduction: r }), per, [4]);
    const w = [1, 2, 0.5];
    const eps = 0.2;
    const perWS = rows.map((r, i) => -total(logp(r).map((v, c) => w[c]! * ((1 - eps) * probs[i]![c]! + eps / 3) * v)));
    checkReductions((r) => nn.crossEntropy(L, P, { reduction: r, weight: f64(w), labelSmoothing: eps }), perWS, [4]);
  });

  it('spatial [N, C, d] inputs and unbatched [C] inputs', () => {
    // logits [2, 3, 2]: element (n, c, d) = rowsFor[n][d][c]
    const rowsFor = [[[1, 2, 3], [0, -1, 1]], [[2, 2, 0], [5, 0, 1]]];
    const flat: number[] = [];
    for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let d = 0; d < 2; d++) flat.push(rowsFor[n]![d]![c]!);
    const X = f64(flat, [2, 3, 2]);
    const T = [[2, 0], [1, 1]];
    const per = T.flatMap((r, n) => r.map((k, d) => nll(rowsFor[n]![d]!, k)));
    checkReductions((r) => nn.crossEntropy(X, i32(T.flat(), [2, 2]), { reduction: r }), per, [2, 2]);
    const one = nn.crossEntropy(f64([1, 2, 3]), i32([2], []), { reduction: 'none' });
    expect(one.shape).toEqual([]);
    expectAllclose(one.item(), nll([1, 2, 3], 2), tight);
    expectAllclose(nn.crossEntropy(f64([1, 2, 3]), f64([0, 0, 1])).item(), nll([1, 2, 3], 2), tight);
  });

  it('gives clear messages for bad targets and options', () => {
    const L4 = zeros([4, 5]);
    err(() => nn.crossEntropy(L4, i32([0, 1, 2, 3, 4])), 'crossEntropy: target has 5 entries but the logits have a batch of 4');
    err(() => nn.crossEntropy(L4, i32([0, 1, 7, 3])), 'crossEntropy: target[2] = 7 is out of range for 5 classes (expected 0 ≤ index < 5)');
    err(() => nn.crossEntropy(L4, i32([0, 1, -100, 3]), { ignoreIndex: -1 }), 'target[2] = -100 is out of range for 5 classes (expected 0 ≤ index < 5 or ignoreIndex -1)');
    err(() => nn.crossEntropy(zeros([2, 3, 4]), i32([0, 0, 0, 9, 0, 0, 0, 0], [2, 4])), 'crossEntropy: target[0,3] = 9 is out of range for 3 classes');
    err(() => nn.crossEntropy(zeros([2, 3, 4]), i32([0, 0], [2])), "crossEntropy: target shape [2] does not match the logits' shape [2,3,4] without its class axis ([2,4])");
    err(() => nn.crossEntropy(L4, tensor([0, 1, 2, 3])), "crossEntropy: class-index targets must be int32, got float32 of shape [4] (probability targets must have the logits' shape [4,5])");
    err(() => nn.crossEntropy(L4, zeros([4, 4])), "crossEntropy: a float32 target holds class probabilities and must have the logits' shape [4,5], got [4,4]");
    err(() => nn.crossEntropy(L4, zeros([4, 5]), { ignoreIndex: 0 }), 'crossEntropy: ignoreIndex applies only to class-index (int32) targets');
    err(() => nn.crossEntropy(L4, i32([0, 0, 0, 0]), { labelSmoothing: 1.5 }), 'crossEntropy: labelSmoothing must be a number in [0, 1], got 1.5');
    err(() => nn.crossEntropy(L4, i32([0, 0, 0, 0]), { weight: zeros([4]) }), 'crossEntropy: weight must have one entry per class, shape [5], got [4]');
    err(() => nn.crossEntropy(zeros([4, 5], { dtype: 'int32' }), i32([0, 0, 0, 0])), 'crossEntropy: logits must be a float tensor, got int32');
    err(() => nn.crossEntropy(zeros([0, 5]), i32([])), "crossEntropy: cannot take the mean over an empty batch (target shape [0]); use reduction 'sum'");
    err(() => nn.nllLoss(L4, tensor([0, 1, 2, 3])), 'nllLoss: target must hold int32 class indices of shape [4], got float32 of shape [4]');
    err(() => nn.nllLoss(L4, i32([5, 0, 0, 0])), 'nllLoss: target[0] = 5 is out of range for 5 classes');
    err(() => new nn.CrossEntropyLoss({ ignoreIndex: 0.5 }), 'CrossEntropyLoss: ignoreIndex must be an integer, got 0.5');
  });
});
