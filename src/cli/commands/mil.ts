// `hopgrad mil`: multiple-instance learning with Hopfield pooling (paper Appendix E.2 / E.3): MNIST bags with
// test accuracy per epoch (Fig. 4/5, Table 2), or a MIL benchmark CSV with stratified k-fold ROC-AUC
// (Table 5). The experiments are src/experiments/mil.ts; this file maps flags to their configs, wires progress,
// Ctrl-C and checkpoints (--resume), and writes results.json, timing.json and the SVG plots.
import nodePath from 'node:path';
import { KINDS } from '../../hopfield/retrieve.js';
import {
  type EpochRecord, type MilCommonConfig, type MilCsvConfig, type MilCsvResult, type MilHooks, type MnistBagsConfig,
  type MnistBagsResult, MIL_CHECKPOINT_FORMAT, PAPER_TABLE5_AUC, QUICK_MNIST_BAGS,
  meanStdOf, resolveMilCsvConfig, resolveMnistBagsConfig, runMilCsv, runMnistBags, selectEpoch,
} from '../../experiments/mil.js';
import { UsageError, kebab } from '../args.js';
import { COMMON, defineCommand } from '../command.js';
import { type Json, readCheckpoint, resumeCheckpoint, saveCheckpoint } from '../checkpoint.js';
import { PALETTE, type Series, linePlot } from '../svg.js';
import { formatTable } from '../table.js';

const MNIST_ONLY = ['target', 'bagSize', 'bagSizeStd', 'posPerBag', 'trainBags', 'testBags', 'quick'] as const;
const CSV_ONLY = ['folds', 'valSplit'] as const;

const isCsv = (path: string): boolean => /\.csv(\.gz)?$/i.test(path);
const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
const num = (v: number | null | undefined, d = 4): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));

/** The plots of a MNIST-bags run: test accuracy and losses per epoch, one series per kind. */
export function mnistBagsPlots(r: MnistBagsResult): { name: string; svg: string }[] {
  const kinds = r.kinds.filter((k) => k.history.length > 0);
  if (kinds.length === 0) return [];
  const ep = (h: EpochRecord[]): number[] => h.map((e) => e.epoch);
  const c = r.config;
  const what = `MNIST bags of ${c.bagSize}${c.bagSizeStd > 0 ? ` ± ${c.bagSizeStd}` : ''}, target ${c.target}, ${c.trainBags}/${c.testBags} bags`;
  return [
    { name: 'test-accuracy.svg', svg: linePlot({ title: `${what}: test accuracy`, xLabel: 'epoch', yLabel: 'test accuracy', series: kinds.map((k) => ({ name: k.kind, x: ep(k.history), y: k.history.map((e) => e.testAccuracy) })) }) },
    {
      name: 'loss.svg', svg: linePlot({
        title: `${what}: BCE loss (dashed: train)`, xLabel: 'epoch', yLabel: 'loss',
        series: kinds.flatMap((k, i): Series[] => [
          { name: `${k.kind} test`, x: ep(k.history), y: k.history.map((e) => e.testLoss), color: PALETTE_AT(i) },
          { name: `${k.kind} train`, x: ep(k.history), y: k.history.map((e) => e.trainLoss), color: PALETTE_AT(i), dashed: true },
        ]),
      }),
    },
  ];
}

const PALETTE_AT = (i: number): string => PALETTE[i % PALETTE.length]!;

/** The plot of a CSV run: mean ± std over folds of the test ROC-AUC per epoch, one series per kind. */
export function milCsvPlots(r: MilCsvResult): { name: string; svg: string }[] {
  const series: Series[] = [];
  for (const k of r.kinds) {
    if (k.folds.length === 0) continue;
    const x = k.folds[0]!.history.map((e) => e.epoch);
    const stats = x.map((_, i) => meanStdOf(k.folds.map((f) => f.history[i]?.testAuc ?? null)));
    if (stats.some((s) => s === null)) continue;
    series.push({ name: k.kind, x, y: stats.map((s) => s!.mean), yErr: stats.map((s) => s!.std) });
  }
  if (series.length === 0) return [];
  const name = nodePath.basename(r.config.data);
  return [{ name: 'auc.svg', svg: linePlot({ title: `${name}: test ROC-AUC per epoch (mean ± std over ${r.config.folds} folds)`, xLabel: 'epoch', yLabel: 'ROC-AUC', series }) }];
}

function epochRow(kind: string, e: EpochRecord, secs: number): string {
  return `${kind.padEnd(10)} ${String(e.epoch).padStart(5)}  ${num(e.trainLoss).padStart(10)}  ${pct(e.trainAccuracy).padStart(9)}  ` +
    `${num(e.testLoss).padStart(9)}  ${pct(e.testAccuracy).padStart(8)}  ${num(e.testAuc).padStart(8)}  ${e.lr.toExponential(2).padStart(9)}  ${secs.toFixed(1).padStart(6)}`;
}
const EPOCH_HEADER = `${'kind'.padEnd(10)} ${'epoch'.padStart(5)}  ${'train loss'.padStart(10)}  ${'train acc'.padStart(9)}  ${'test loss'.padStart(9)}  ` +
  `${'test acc'.padStart(8)}  ${'test AUC'.padStart(8)}  ${'lr'.padStart(9)}  ${'s'.padStart(6)}`;

/** `hopgrad mil`. */
export const mil = defineCommand({
  name: 'mil',
  summary: 'multiple-instance learning with Hopfield pooling: MNIST bags (Fig. 4/5) or a MIL CSV with k-fold ROC-AUC (Table 5)',
  description: [
    'MNIST bags (default; the embedded digits, or --data an MNIST idx folder / images file): a bag is positive iff it',
    'holds the --target digit (one per positive bag by default); balanced classes; train and test bags come from',
    'disjoint digits. Model (Table 2): Linear(784→embed) → LayerNorm → HopfieldPooling(heads × head-dim, quantity',
    'learned queries, β, --kind) → LayerNorm → Linear → logit; BCE, AdamW, cosine annealing per step. Prints test',
    'loss / accuracy per epoch; several kinds (--kind dense,sparsemax) train one after the other on the same bags.',
    'Variable bag sizes (--bag-size-std) are padded with a key padding mask (or batched by size for linear, prf and',
    'fractional top-k / random).',
    'MIL CSV (--data x.csv): stratified --folds cross-validation; per fold the features are standardized on the',
    'training bags and the epoch with the best validation ROC-AUC (--val-split of the training fold) is reported.',
    'Defaults (MNIST / CSV): --epochs 150 / 50, --batch-size 256 / 8, --quantity 2 / 1, --weight-decay 0.01 / 1e-4.',
    'Checkpoints at every epoch end; Ctrl-C stops after the current batch (exit 130); --resume DIR continues with',
    'the configuration saved in DIR (other flags are then ignored) and ends as an uninterrupted run would.',
    'Examples: hopgrad mil --quick   |   hopgrad mil --kind dense,sparsemax --epochs 20 --train-bags 600',
    '          hopgrad mil --data ../shared/data/mil/musk1.csv --kind dense --epochs 30',
  ].join('\n'),
  flags: {
    data: { ...COMMON.data, help: 'MNIST idx folder or images file (default: embedded digits), or a MIL CSV (.csv / .csv.gz) for k-fold ROC-AUC' },
    kind: { ...COMMON.kind, list: true, choices: KINDS, default: ['dense'], help: 'association kind(s) of the pooling (comma list)' },
    k: { type: 'number', meta: 'X', min: 0, help: 'topk / random: kept memories, a fraction in (0, 1) of the bag or a count (default 0.2)' },
    alpha: { type: 'number', meta: 'X', help: 'entmax: α in (1, 2] (default 1.5)' },
    reading: { type: 'string', choices: ['renormalized', 'paper'], help: 'topk: how the kept scores are read (default renormalized)' },
    window: { type: 'int', meta: 'W', min: 0, help: 'window: half-width' },
    features: { type: 'int', meta: 'N', min: 1, help: 'prf: random features per head' },
    beta: { type: 'number', meta: 'X', default: 0.1, help: 'inverse temperature β of the pooling (Table 2 "scaling")' },
    heads: { type: 'int', meta: 'N', default: 4, min: 1, help: 'heads of the pooling' },
    headDim: { type: 'int', meta: 'N', default: 64, min: 1, help: 'association width per head' },
    embed: { type: 'int', meta: 'N', default: 256, min: 1, help: 'instance embedding width' },
    quantity: { type: 'int', meta: 'N', min: 1, help: 'learned query patterns of the pooling (default 2 MNIST, 1 CSV)' },
    dropout: { type: 'number', meta: 'P', default: 0, min: 0, help: 'bag dropout after the embedding and the pooling' },
    epochs: { ...COMMON.epochs, help: 'training epochs (default 150 MNIST, 50 CSV; --quick 4)' },
    batchSize: { type: 'int', meta: 'N', min: 1, help: 'bags per batch (default 256 MNIST, 8 CSV; --quick 8)' },
    lr: { type: 'number', meta: 'X', default: 1e-3, help: 'AdamW peak learning rate (cosine-annealed to 0 per step)' },
    weightDecay: { type: 'number', meta: 'X', min: 0, help: 'AdamW decoupled weight decay (default 0.01 MNIST, 1e-4 CSV)' },
    target: { type: 'int', meta: 'D', min: 0, max: 9, help: 'MNIST: the signal digit (default 9)' },
    bagSize: { type: 'int', meta: 'N', min: 1, help: 'MNIST: instances per bag, the mean when --bag-size-std > 0 (default 10; the paper sweeps 5–100)' },
    bagSizeStd: { type: 'number', meta: 'X', min: 0, help: 'MNIST: std of the bag size (default 0: fixed size)' },
    posPerBag: { type: 'int', meta: 'N', min: 1, help: 'MNIST: target digits in a positive bag (default 1)' },
    trainBags: { type: 'int', meta: 'N', min: 2, help: 'MNIST: training bags (default 2000; --quick 300)' },
    testBags: { type: 'int', meta: 'N', min: 2, help: 'MNIST: test bags (default 500; --quick 200)' },
    quick: { type: 'boolean', help: "MNIST: the main job's short run (300 / 200 bags of 10, 4 epochs, batch 8; flags still override)" },
    folds: { type: 'int', meta: 'N', min: 2, help: 'CSV: cross-validation folds (default 10)' },
    valSplit: { type: 'number', meta: 'X', min: 0, max: 0.49, help: 'CSV: validation fraction of each training fold, picks the epoch (default 0.1; 0: last epoch)' },
    stopAfter: { type: 'int', meta: 'N', min: 1, help: 'stop cleanly (checkpointed, exit 0) once N epochs are done in the whole run; continue with --resume' },
    seed: { type: 'int', meta: 'N', min: 0, help: 'random seed: data split, bags, initial weights, batch order (default 0); same seed, same results.json' },
    out: COMMON.out,
    resume: COMMON.resume,
  },
  async run(ctx) {
    const f = ctx.flags;
    const resumeDir = f.resume === undefined ? undefined : nodePath.resolve(ctx.cwd, f.resume);
    let config: MnistBagsConfig | MilCsvConfig;
    if (resumeDir !== undefined) {
      const ck = await readCheckpoint(resumeDir);
      const ex = ck.extra as { format?: unknown; config?: MnistBagsConfig | MilCsvConfig } | null;
      if (ex === null || typeof ex !== 'object' || ex.format !== MIL_CHECKPOINT_FORMAT || !ex.config) {
        throw new UsageError(`--resume: '${f.resume}' holds a checkpoint of another command (no MIL configuration)`);
      }
      config = ex.config;
      ctx.info(`resuming ${ck.path} (${ck.epoch}/${config.epochs} epochs of its current unit done); the saved configuration is used`);
    } else {
      const dataPath = f.data === undefined ? undefined : nodePath.resolve(ctx.cwd, f.data);
      const csv = dataPath !== undefined && isCsv(dataPath);
      for (const name of csv ? MNIST_ONLY : CSV_ONLY) {
        const v = f[name];
        if (v !== undefined && v !== false) throw new UsageError(`--${kebab(name)} applies to ${csv ? 'MNIST bags, not to a MIL CSV' : 'a MIL CSV (--data x.csv), not to MNIST bags'}`);
      }
      const optionKinds: [keyof typeof f, string[]][] = [['k', ['topk', 'random']], ['alpha', ['entmax']], ['reading', ['topk']], ['window', ['window']], ['features', ['prf']]];
      for (const [name, kinds] of optionKinds) {
        if (f[name] !== undefined && !f.kind.some((k) => kinds.includes(k))) throw new UsageError(`--${kebab(name)} applies to kind ${kinds.join(' / ')}, which --kind does not list`);
      }
      const common: Partial<MilCommonConfig> = {
        kinds: f.kind, beta: f.beta, numHeads: f.heads, headDim: f.headDim, embedSize: f.embed, dropout: f.dropout, lr: f.lr,
        k: f.k, alpha: f.alpha, reading: f.reading, window: f.window, features: f.features, quantity: f.quantity,
        epochs: f.epochs, batchSize: f.batchSize, weightDecay: f.weightDecay, seed: f.seed,
      };
      const drop = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
      config = csv
        ? resolveMilCsvConfig({ ...drop({ ...common, folds: f.folds, valSplit: f.valSplit }), data: dataPath! })
        : resolveMnistBagsConfig({
          ...(f.quick ? QUICK_MNIST_BAGS : {}),
          ...drop({ ...common, target: f.target, bagSize: f.bagSize, bagSizeStd: f.bagSizeStd, posPerBag: f.posPerBag, trainBags: f.trainBags, testBags: f.testBags }),
          ...(dataPath === undefined ? {} : { data: dataPath }),
        });
    }
    const dir = ctx.runDir();
    const started = performance.now();
    let last = started;
    const timing: { kind: string; fold?: number; epoch: number; seconds: number }[] = [];
    const csvMode = 'folds' in config;
    let headerShown = false;
    const hooks: MilHooks = {
      log: (line) => ctx.info(line),
      progress: (total, label) => ctx.progress(total, label, { unit: 'batch' }),
      shouldStop: () => ctx.interrupt.requested,
      ...(f.stopAfter === undefined ? {} : { stopAfterEpochs: f.stopAfter }),
      onEpoch: (rec, unit) => {
        const now = performance.now();
        timing.push({ ...unit, epoch: rec.epoch, seconds: (now - last) / 1000 });
        const secs = (now - last) / 1000;
        last = now;
        if (csvMode) return;
        if (!headerShown) ctx.print(EPOCH_HEADER);
        headerShown = true;
        ctx.print(epochRow(unit.kind, rec, secs));
      },
      onUnitEnd: (unit, history) => {
        if (!csvMode) return;
        const sel = selectEpoch(history)!;
        if (!headerShown) ctx.print(`${'kind'.padEnd(10)} ${'fold'.padStart(5)}  ${'epoch'.padStart(5)}  ${'val AUC'.padStart(8)}  ${'test AUC'.padStart(8)}  ${'test acc'.padStart(8)}`);
        headerShown = true;
        ctx.print(`${unit.kind.padEnd(10)} ${String(unit.fold! + 1).padStart(5)}  ${String(sel.epoch).padStart(5)}  ${num(sel.valAuc).padStart(8)}  ${num(sel.testAuc).padStart(8)}  ${pct(sel.testAccuracy).padStart(8)}`);
      },
      checkpoint: {
        peek: async () => {
          if (resumeDir === undefined) return null;
          const ck = await readCheckpoint(resumeDir);
          return { epoch: ck.epoch, history: ck.history, extra: ck.extra };
        },
        restore: async (parts) => void (await resumeCheckpoint(resumeDir!, parts)),
        save: async (s) => void (await saveCheckpoint(dir.path, { ...s, history: s.history, extra: s.extra as Json })),
      },
    };
    let complete: boolean;
    if (csvMode) {
      const r = await runMilCsv(config as MilCsvConfig, hooks);
      complete = r.complete;
      await dir.writeJson({ command: 'mil', ...r, paper: PAPER_TABLE5_AUC });
      for (const p of milCsvPlots(r)) await dir.writeSvg(p.name, p.svg);
      const base = nodePath.basename(r.config.data).toLowerCase();
      const paperKey = (['tiger', 'fox', 'elephant', 'ucsb'] as const).find((n) => base.includes(n));
      ctx.print(`${nodePath.basename(r.config.data)}: test ROC-AUC at the epoch picked by validation, over ${r.config.folds} stratified folds`);
      ctx.print(formatTable(['kind', 'folds', 'ROC-AUC mean ± std', 'accuracy mean ± std', ...(paperKey ? [`paper Table 5 (${paperKey})`] : [])], r.kinds.map((k) => [
        k.kind, String(k.folds.length), k.auc ? `${num(k.auc.mean, 3)} ± ${num(k.auc.std, 3)}` : '–', k.accuracy ? `${num(k.accuracy.mean, 3)} ± ${num(k.accuracy.std, 3)}` : '–',
        ...(paperKey ? [num(PAPER_TABLE5_AUC[k.kind === 'topk' ? `topk k=${r.config.k ?? 0.2}` : k.kind]?.[paperKey], 3)] : []),
      ])));
    } else {
      const r = await runMnistBags(config as MnistBagsConfig, hooks);
      complete = r.complete;
      await dir.writeJson({
        command: 'mil', ...r,
        paper: { protocol: 'Appendix E.2, Table 2: 2000 train / 500 test bags, batch 256, lr 1e-3, AdamW + cosine, 150 epochs, embedding 256, 4 heads × 64, β 0.1, 2 patterns; Fig. 4 sweeps bag sizes 5–100, Fig. 5 uses bag size 50; means of 10 runs' },
      });
      for (const p of mnistBagsPlots(r)) await dir.writeSvg(p.name, p.svg);
      ctx.print(`MNIST bags (${r.data.trainBags} train / ${r.data.testBags} test bags of ${r.config.bagSize}, target ${r.config.target}): test metrics`);
      ctx.print(formatTable(['kind', 'epochs', 'final test acc', 'best test acc', 'final test loss', 'final test AUC'], r.kinds.map((k) => [
        k.kind, String(k.history.length), k.final ? pct(k.final.testAccuracy) : '–', k.bestTestAccuracy === null ? '–' : pct(k.bestTestAccuracy),
        num(k.final?.testLoss), num(k.final?.testAuc),
      ])));
    }
    await dir.writeJson({ totalSeconds: (performance.now() - started) / 1000, epochs: timing }, 'timing.json');
    ctx.print(`results in ${dir.path}:`);
    for (const line of dir.summary(ctx.cwd)) ctx.print(line);
    if (!complete) {
      const how = `continue with: hopgrad mil --resume ${dir.path}`;
      ctx.interrupt.stopIfRequested(timing.length > 0 || resumeDir !== undefined ? `stopped at the last finished epoch; ${how}` : 'stopped before the first epoch ended (no checkpoint written)');
      ctx.info(`stopped after ${f.stopAfter} epoch(s) (--stop-after); ${how}`);
    }
  },
});
