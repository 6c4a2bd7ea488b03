// The paper's experiments (Appendix E) as library functions, one namespace each; the `hopgrad` commands,
// the examples and the main job call these. Node-only (they read datasets from files or the mnist package).
export * as retrieval from './retrieval.js';
export * as retrievalReport from './retrieval-plot.js';
export * as mil from './mil.js';
export * as metrics from './metrics.js';
export * as forecast from './forecast.js';
export * as efficiency from './efficiency.js';
