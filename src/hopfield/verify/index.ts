// hopfield.verify: the paper's claims as machine-checkable properties. `verify()` runs them (fast-check,
// shrunk counterexamples, smallest margins), `formatResults` / `resultsJSON` report them, and the claims,
// generators and float64 reference maps are exported so users can check their own memory sets
// (`verify({ memories })`), single instances (`evaluateClaim`) and their own claims (`verify({ from })`).
export type { Claim, ClaimResult, Evaluation, GenOptions } from './claim.js';
export { REL_TOL, inequality, logInequality } from './claim.js';
export type { RunOptions, VerifyOptions } from './runner.js';
export { DEFAULT_GEN, DEFAULT_RUNS, claimName, drawSeed, evaluateClaim, runClaim, selectClaims, verify } from './runner.js';
export { allClaims } from './all-claims.js';
export { corollary411Claims, retrievalClaims, theorem41Claims } from './claims-retrieval.js';
export { noiseClaims, oneStepClaims } from './claims-noise.js';
export { dynamicsClaims } from './claims-dynamics.js';
export { capacityClaims } from './claims-capacity.js';
export { complexityClaims } from './claims-complexity.js';
export type { MaskKind, NoisyInstance, RetrievalInstance } from './generators.js';
export { STRUCTURED_MASKS, memorySet, noisyInstance, retrievalInstance, uniform } from './generators.js';
export type { ReportMeta, VerifyReport } from './report.js';
export { formatResults, fmtNum, outcomeCell, resultsJSON, resultsReport } from './report.js';
export * as reference from './reference.js';
