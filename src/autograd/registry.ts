// The registry of every differentiable op, typed over the union of the groups' attrs maps. The gradient
// property test (property-tests/gradcheck.test.ts) iterates this table, so a new op is checked from day one.
import type { OpTable } from './engine.js';
import { type ElementwiseAttrs, elementwiseOps } from './ops/elementwise.js';
import { type MovementAttrs, movementOps } from './ops/movement.js';
import { type SumAttrs, sumOps } from './ops/reduce.js';
import { type LinalgAttrs, linalgOps } from './ops/linalg.js';
import { type ReductionsAttrs, reductionOps } from './ops/reductions.js';
import { type FusedAttrs, fusedOps } from './ops/fused.js';
import { type IndexingAttrs, indexingOps } from './ops/indexing.js';
import { type JoinAttrs, joinOps } from './ops/join.js';
import { type SeparationAttrs, separationOps } from '../hopfield/separation.js';
import { type GatheredAttrs, gatheredOps } from './ops/gathered.js';
import { type AttentionAttrs, attentionOps } from './ops/attention.js';

/** Attributes of every differentiable op, by op name. */
export type OpAttrs = ElementwiseAttrs & MovementAttrs & SumAttrs & LinalgAttrs & ReductionsAttrs & FusedAttrs & IndexingAttrs & JoinAttrs & SeparationAttrs & GatheredAttrs & AttentionAttrs;
/** The name of a differentiable op. */
export type OpName = keyof OpAttrs & string;

/** Every differentiable op's definition. */
export const registry: OpTable<OpAttrs> = {
  ...elementwiseOps,
  ...movementOps,
  ...sumOps,
  ...linalgOps,
  ...reductionOps,
  ...fusedOps,
  ...indexingOps,
  ...joinOps,
  ...separationOps,
  ...gatheredOps,
  ...attentionOps,
};

/** The names of the registered ops. */
export const opNames = Object.keys(registry) as OpName[];
