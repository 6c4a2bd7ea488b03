// Multiple-instance learning with Hopfield pooling, as `hopgrad mil` does (paper Appendix E.2 / E.3): by default
// the main job's short MNIST-bags training on the embedded digits (300 / 200 bags of 10, target 9, the Table 2
// model, AdamW + cosine, 4 epochs), printing test loss / accuracy per epoch; with --data x.csv a MIL benchmark
// (e.g. ../shared/data/mil/musk1.csv) cross-validated with ROC-AUC. Library API: 'hopgrad' + 'hopgrad/node'
// (src/index.ts, src/node/index.ts) and the experiment module. Flags: --kind K[,K…] (dense), --epochs N,
// --seed S (0), --data FILE, --folds N (CSV, 5).
import { HopgradError, hopfield } from '../src/index.js';
import { experiments } from '../src/node/index.js';

type RetrieveKind = (typeof hopfield.KINDS)[number];
const KINDS: readonly string[] = hopfield.KINDS;
const { runMilCsv, runQuickMnistBags } = experiments.mil;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : (process.argv[i + 1] ?? '');
}
function int(name: string): number | undefined {
  const text = flag(name);
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`mil example: --${name} needs a non-negative integer, got '${text}'`);
    process.exit(2);
  }
  return v;
}

const kinds = (flag('kind') ?? 'dense').split(',') as RetrieveKind[];
const unknown = kinds.find((k) => !KINDS.includes(k));
if (unknown !== undefined) {
  console.error(`mil example: --kind must list kinds among ${KINDS.join(', ')}, got '${unknown}'`);
  process.exit(2);
}
const common = { kinds, ...(int('epochs') !== undefined ? { epochs: int('epochs')! } : {}), seed: int('seed') ?? 0 };
const log = (line: string): void => console.log(line);
try {
  const data = flag('data');
  if (data !== undefined && /\.csv(\.gz)?$/i.test(data)) {
    const r = await runMilCsv({ ...common, data, folds: int('folds') ?? 5 }, { log });
    for (const k of r.kinds) {
      console.log(`${k.kind}: ROC-AUC ${k.auc!.mean.toFixed(3)} ± ${k.auc!.std.toFixed(3)} over ${k.folds.length} folds ` +
        `(per fold: ${k.folds.map((f) => f.testAuc?.toFixed(3) ?? '–').join(', ')})`);
    }
  } else {
    const r = await runQuickMnistBags({ ...common, ...(data !== undefined ? { data } : {}) }, {
      log,
      onEpoch: (e, u) => console.log(`${u.kind} epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, test loss ${e.testLoss.toFixed(4)}, ` +
        `test accuracy ${(100 * e.testAccuracy).toFixed(2)}%, test AUC ${e.testAuc?.toFixed(3) ?? '–'}`),
    });
    for (const k of r.kinds) console.log(`${k.kind}: final test accuracy ${(100 * k.final!.testAccuracy).toFixed(2)}% (chance 50%)`);
  }
} catch (e) {
  if (!(e instanceof HopgradError)) throw e;
  console.error(e.message);
  process.exit(1);
}
