// The library's registry of verification claims, in report order: the retrieval-error claims of §4.1
// (claims-retrieval.ts, claims-noise.ts), then the dynamics (Lemma 4.1, T1, T2), capacity (Thm 4.2,
// Lemma 4.2) and complexity claims.
import type { Claim } from './claim.js';
import { retrievalClaims } from './claims-retrieval.js';
import { dynamicsClaims } from './claims-dynamics.js';
import { capacityClaims } from './claims-capacity.js';
import { complexityClaims } from './claims-complexity.js';

/** Every claim `verify` runs by default. */
export const allClaims: readonly Claim[] = [...retrievalClaims, ...dynamicsClaims, ...capacityClaims, ...complexityClaims];
