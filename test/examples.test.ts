// The main job must keep working: run the MNIST example for one epoch and check it learned something real.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

describe('examples', () => {
  it('mnist-classifier trains to > 85% held-out accuracy in one epoch', () => {
    const out = execFileSync(process.execPath, [resolve(root, 'node_modules/tsx/dist/cli.mjs'), 'examples/mnist-classifier.ts', '--epochs', '1'], { cwd: root, encoding: 'utf8' });
    const row = out.trim().split('\n').at(-1)!;
    const acc = Number(row.split('|')[3]!.replace('%', ''));
    expect(acc).toBeGreaterThan(85);
  }, 120_000);

  it('mnist-classifier rejects a bad flag value with a clear message', () => {
    expect(() => execFileSync(process.execPath, [resolve(root, 'node_modules/tsx/dist/cli.mjs'), 'examples/mnist-classifier.ts', '--epochs', 'many'], { cwd: root, encoding: 'utf8', stdio: 'pipe' }))
      .toThrow(/--epochs needs a number, got 'many'/);
  });
});
