// Binary-classification metrics of the experiments: ROC-AUC (the Mann–Whitney statistic with tied scores
// counted as half, i.e. average ranks — exactly the area under the trapezoidal ROC curve), accuracy of
// logits at a threshold, and the mean binary cross-entropy of logits. Plain arrays in, numbers out.
import { check } from '../tensor/errors.js';

function checkPairs(labels: ArrayLike<number>, scores: ArrayLike<number>, where: string): void {
  check(labels !== null && typeof labels === 'object' && typeof labels.length === 'number', where,
    () => `labels must be an array of 0/1 labels, got ${String(labels)}`);
  check(scores !== null && typeof scores === 'object' && typeof scores.length === 'number', where,
    () => `scores must be an array of numbers, got ${String(scores)}`);
  check(labels.length === scores.length, where, () => `labels has ${labels.length} entries but scores has ${scores.length}`);
  check(labels.length > 0, where, 'labels and scores are empty');
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    check(y === 0 || y === 1, where, () => `labels[${i}] is ${y}; labels must be 0 or 1`);
    check(Number.isFinite(scores[i]!), where, () => `scores[${i}] is ${scores[i]}; scores must be finite numbers`);
  }
}

/**
 * Area under the ROC curve of `scores` for binary `labels` (1 = positive): the probability that a random
 * positive scores above a random negative, ties counting ½ — computed from average ranks,
 * (Σ ranks of positives − P(P+1)/2) / (P·N), which equals the trapezoidal area under the ROC curve.
 * Needs at least one positive and one negative.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const where = 'rocAuc';
  checkPairs(labels, scores, where);
  const n = labels.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i]!;
  const neg = n - pos;
  check(pos > 0 && neg > 0, where, () => `needs both classes, got ${pos} positive(s) and ${neg} negative(s)`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j + 2) / 2; // ranks i+1 … j+1 share their mean
    for (let t = i; t <= j; t++) if (labels[order[t]!] === 1) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Fraction of items whose score is on the side of `threshold` their label says (score > threshold ⇔ label 1). */
export function binaryAccuracy(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0): number {
  const where = 'binaryAccuracy';
  checkPairs(labels, scores, where);
  check(Number.isFinite(threshold), where, () => `threshold must be a finite number, got ${threshold}`);
  let right = 0;
  for (let i = 0; i < labels.length; i++) if ((scores[i]! > threshold ? 1 : 0) === labels[i]) right++;
  return right / labels.length;
}

/** Mean binary cross-entropy of `logits` against 0/1 `labels`, computed stably (softplus(x) − x·y). */
export function bceOfLogits(labels: ArrayLike<number>, logits: ArrayLike<number>): number {
  checkPairs(labels, logits, 'bceOfLogits');
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const x = logits[i]!;
    s += Math.max(x, 0) - x * labels[i]! + Math.log1p(Math.exp(-Math.abs(x))); // the cancelling terms first
  }
  return s / labels.length;
}
