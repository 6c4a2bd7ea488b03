// The registry-wide gradient property test: for EVERY registered differentiable op, random cases (float64,
// small shapes, kinks excluded by construction) must pass gradcheck (tape gradients vs central differences,
// default tolerances of src/autograd/gradcheck.ts), and each case's graph must contain a node of that op,
// so a case cannot silently test another op. The case table is typed over the registry's op names: a
// registered op without a case is a compile error, and a case for an unregistered op fails a test.
//
// Environment: FC_RUNS=<n> sets the runs per op (default 50); FC_SEED=<seed> fixes the seed (fast-check
// prints the seed and path of any failure, so `FC_SEED=<seed> npx vitest run property-tests/gradcheck.test.ts`
// reproduces it).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, gradcheck } from '../src/index.js';
import { type OpName, opNames, registry } from '../src/autograd/registry.js';
import { type CaseArb, type GradCase, fcParams } from './gradcheck/case.js';
import { coreCases } from './gradcheck/core.samples.js';
import { reductionsCases } from './gradcheck/reductions.samples.js';
import { indexingCases } from './gradcheck/indexing.samples.js';
import { hopfieldCases } from './gradcheck/hopfield.samples.js';
import { attentionCases } from './gradcheck/attention.samples.js';
import { gatheredCases } from './gradcheck/gathered.samples.js';

/**
 * One case arbitrary per registered op (core, reductions + fused, indexing + join groups). Strict: each
 * samples file types its map over its group's attrs (`{ [K in keyof XAttrs]: CaseArb }`), so an op added to
 * the registry without a case is a COMPILE error here (keep it that way: never cast these maps).
 */
const cases: { [K in OpName]: CaseArb } = { ...coreCases, ...reductionsCases, ...indexingCases, ...hopfieldCases, ...attentionCases, ...gatheredCases };

const RUNS = 50;

/** The op names of every node reachable from `out` through the recorded graph. */
function opsInGraph(out: Tensor): Set<string> {
  const ops = new Set<string>();
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [out];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t._node) {
      ops.add(t._node.op);
      stack.push(...t._node.inputs);
    }
  }
  return ops;
}

/** Fresh leaves that require gradients (int32 inputs, e.g. indices or conditions, are passed as they are). */
function leaves(inputs: readonly Tensor[]): Tensor[] {
  return inputs.map((t) => (t.dtype === 'int32' ? t : new Tensor(t.dataSync(), t.shape).requiresGrad_()));
}

function checkCase(name: OpName, c: GradCase): void {
  const out = c.run(...leaves(c.inputs));
  const ops = opsInGraph(out);
  if (!ops.has(name)) {
    throw new Error(`case '${c.label}' for op '${name}' records no '${name}' node (its graph has: ${[...ops].join(', ') || 'no nodes'})`);
  }
  try {
    gradcheck(c.run, c.inputs);
  } catch (e) {
    throw new Error(`case '${c.label}': ${(e as Error).message}`);
  }
}

describe('gradient of every registered op', () => {
  it('has a case for every registered op and no case for an unregistered one', () => {
    const registered = new Set<string>(opNames);
    const stale = Object.keys(cases).filter((k) => !registered.has(k));
    expect(stale, `cases for ops that are not registered: ${stale.join(', ')}`).toEqual([]);
    const missing = opNames.filter((n) => !(n in cases));
    expect(missing, `registered ops without a case: ${missing.join(', ')}`).toEqual([]);
    expect(Object.keys(registry).sort()).toEqual([...opNames].sort());
  });

  for (const name of opNames) {
    it(`${name}: tape gradient matches finite differences`, () => {
      const arb = cases[name];
      expect(arb, `no gradcheck case for op '${name}'`).toBeDefined();
      fc.assert(fc.property(arb, (c) => checkCase(name, c)), fcParams(RUNS));
    });
  }
});
