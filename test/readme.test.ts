// The README's API snippet must run as printed: extract it, point 'hopgrad' at the source entry, execute it.
import { describe, expect, it, vi } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

describe('README', () => {
  it('has a Quickstart with exactly the two command lines', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const quick = readme.split('## Quickstart')[1]!.split('## ')[0]!;
    const commands = [...quick.matchAll(/^npm .*$/gm)].map((m) => m[0].replace(/\s+#.*$/, '').trim());
    expect(commands).toEqual(['npm ci && npm start', 'npm ci && npm test']);
  });

  it('runs the API snippet as printed', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = readme.split('<!-- readme-snippet')[1]!.split('```ts\n')[1]!.split('```')[0]!;
    const dir = join(root, '.tmp');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'readme-snippet.ts');
    writeFileSync(file, block.replace(/from 'hopgrad'/g, `from '${join(root, 'src/index.js')}'`));
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { lines.push(a.map(String).join(' ')); });
    try {
      await import(file);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(4);
    expect(Number(lines[0]!.split(' ')[0])).toBeTypeOf('number');
    expect(lines[0]!.split(' ')[1]).toBe('3,2');
    expect(lines[1]).toBe('2,4,6');
    expect(lines[2]).toBe('true');
    expect(lines[3]).toBe('true 32,3');
  });

  it('runs the Hopfield snippet as printed', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = readme.split('<!-- readme-snippet-hopfield')[1]!.split('```ts\n')[1]!.split('```')[0]!;
    const file = join(root, '.tmp', 'readme-hopfield.ts');
    mkdirSync(join(root, '.tmp'), { recursive: true });
    writeFileSync(file, `${block.replace(/from 'hopgrad'/g, `from '${join(root, 'src/index.js')}'`)}\nexport const shapes = [dense.shape, sparse.shape, window.shape, pool.forward(randn([2, 5, 64])).shape];\n`);
    const mod = (await import(file)) as { shapes: number[][] };
    expect(mod.shapes).toEqual([[100, 64], [100, 64], [100, 64], [2, 128]]);
  });
});
