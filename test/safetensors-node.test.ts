// Node file helpers: safetensors save/load by path, and the atomic writer under injected failures.
// Failures are injected by spying on the node:fs / node:fs/promises default objects that src/node/fs.ts calls through.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  loadSafetensors, loadSafetensorsSync, saveSafetensors, saveSafetensorsSync, writeFileAtomic, writeFileAtomicSync,
} from '../src/node/fs.js';
import { HopgradError } from '../src/tensor/errors.js';
import { Tensor } from '../src/tensor/tensor.js';

let dir = '';
let n = 0;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hopgrad-st-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** A fresh subdirectory, so "no temp file remains" can be checked by listing it. */
function sub(): string {
  const d = path.join(dir, `case${n++}`);
  fs.mkdirSync(d);
  return d;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

const ts = { w: new Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), step: new Tensor(new Int32Array([7]), []) };

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips through a file, async and sync', async () => {
    const d = sub();
    await saveSafetensors(path.join(d, 'a.safetensors'), ts, { epoch: '3' });
    saveSafetensorsSync(path.join(d, 'b.safetensors'), ts);
    expect(fs.readFileSync(path.join(d, 'a.safetensors')).subarray(8).toString()).toMatch(/^\{"__metadata__":\{"epoch":"3"\}/);
    for (const load of [loadSafetensors, loadSafetensorsSync]) {
      const a = await load(path.join(d, 'a.safetensors'));
      expect(a.metadata).toEqual({ epoch: '3' });
      expect(a.tensors.w!.toArray()).toEqual([[1, 2], [3, 4]]);
      expect((await load(path.join(d, 'b.safetensors'))).tensors.step!.item()).toBe(7);
    }
    expect(fs.readdirSync(d).sort()).toEqual(['a.safetensors', 'b.safetensors']);
  });

  it('names the path when the file is missing or invalid', async () => {
    const d = sub();
    const missing = path.join(d, 'nope.safetensors');
    for (const e of [await rejection(loadSafetensors(missing)), thrown(() => loadSafetensorsSync(missing))]) {
      expect(e).toBeInstanceOf(HopgradError);
      expect(e.message).toMatch(/^loadSafetensors(Sync)?: cannot read '.*nope\.safetensors': no such file$/);
    }
    const bad = path.join(d, 'bad.safetensors');
    fs.writeFileSync(bad, new Uint8Array([1, 2, 3]));
    const e = await rejection(loadSafetensors(bad));
    expect(e).toBeInstanceOf(HopgradError);
    expect(e.message).toBe(`loadSafetensors: '${bad}': file is 3 bytes, shorter than the 8-byte header length field`);
    expect(thrown(() => loadSafetensorsSync(d)).message).toMatch(/^loadSafetensorsSync: cannot read '.*': EISDIR/);
  });

  it('names the path when serialization fails, and writes nothing', async () => {
    const d = sub();
    const bad = { w: 5 as unknown as Tensor };
    const e = await rejection(saveSafetensors(path.join(d, 'x.safetensors'), bad));
    expect(e).toBeInstanceOf(HopgradError);
    expect(e.message).toMatch(/^saveSafetensors: '.*x\.safetensors': tensors\["w"\] must be a Tensor/);
    expect(() => saveSafetensorsSync(path.join(d, 'x.safetensors'), bad)).toThrow(/^saveSafetensorsSync: /);
    expect(fs.readdirSync(d)).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  it('writes strings and bytes, replacing an existing file', async () => {
    const d = sub();
    const p = path.join(d, 'out.json');
    await writeFileAtomic(p, '{"v":1} ✓');
    expect(fs.readFileSync(p, 'utf8')).toBe('{"v":1} ✓');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...fs.readFileSync(p)]).toEqual([1, 2, 3]);
    writeFileAtomicSync(p, 'sync');
    expect(fs.readFileSync(p, 'utf8')).toBe('sync');
    writeFileAtomicSync(p, new Uint8Array(0));
    expect(fs.readFileSync(p).length).toBe(0);
    expect(fs.readdirSync(d)).toEqual(['out.json']);
  });

  it('fails with a HopgradError naming the missing directory, creating nothing', async () => {
    const d = sub();
    const p = path.join(d, 'missing', 'out.bin');
    const e = await rejection(writeFileAtomic(p, 'x'));
    expect(e).toBeInstanceOf(HopgradError);
    expect(e.message).toBe(`writeFileAtomic: cannot write '${p}': no such directory '${path.dirname(p)}'`);
    expect(thrown(() => writeFileAtomicSync(p, 'x')).message).toMatch(/^writeFileAtomicSync: cannot write .* no such directory/);
    expect(fs.readdirSync(d)).toEqual([]);
  });

  it('keeps the previous file and removes the temp file when the rename fails (async)', async () => {
    const d = sub();
    const p = path.join(d, 'model.safetensors');
    await saveSafetensors(p, ts);
    const before = fs.readFileSync(p);
    const spy = vi.spyOn(fsp, 'rename').mockRejectedValueOnce(Object.assign(new Error('EIO: simulated crash'), { code: 'EIO' }));
    const e = await rejection(saveSafetensors(p, { other: new Tensor(new Float64Array([9]), [1]) }));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(e).toBeInstanceOf(HopgradError);
    expect(e.message).toBe(`saveSafetensors: cannot write '${p}': EIO: simulated crash`);
    expect(fs.readFileSync(p).equals(before)).toBe(true);
    expect(fs.readdirSync(d)).toEqual(['model.safetensors']);
  });

  it('keeps the previous file and removes the temp file when the rename or fsync fails (sync)', () => {
    const d = sub();
    const p = path.join(d, 'r.txt');
    writeFileAtomicSync(p, 'old');
    vi.spyOn(fs, 'renameSync').mockImplementationOnce(() => {
      throw new Error('simulated rename failure');
    });
    expect(() => writeFileAtomicSync(p, 'new')).toThrow(/^writeFileAtomicSync: cannot write '.*r\.txt': simulated rename failure$/);
    vi.spyOn(fs, 'fsyncSync').mockImplementationOnce(() => {
      throw new Error('simulated fsync failure');
    });
    expect(() => saveSafetensorsSync(p, ts)).toThrow(/^saveSafetensorsSync: .*simulated fsync failure/);
    expect(fs.readFileSync(p, 'utf8')).toBe('old');
    expect(fs.readdirSync(d)).toEqual(['r.txt']);
  });

  it('removes the temp file when writing the data fails (async)', async () => {
    const d = sub();
    const p = path.join(d, 'w.bin');
    await writeFileAtomic(p, 'old');
    const open = fsp.open.bind(fsp);
    vi.spyOn(fsp, 'open').mockImplementationOnce(async (...args: Parameters<typeof fsp.open>) => {
      const h = await open(...args);
      h.writeFile = () => Promise.reject(new Error('ENOSPC: simulated full disk'));
      return h;
    });
    await expect(writeFileAtomic(p, 'new')).rejects.toThrow(/ENOSPC: simulated full disk/);
    expect(fs.readFileSync(p, 'utf8')).toBe('old');
    expect(fs.readdirSync(d)).toEqual(['w.bin']);
  });

  it.skipIf(process.platform === 'win32')('keeps the permissions of the file it replaces and writes through symlinks', async () => {
    const d = sub();
    const p = path.join(d, 'secret.txt');
    fs.writeFileSync(p, 'old');
    fs.chmodSync(p, 0o600);
    await writeFileAtomic(p, 'new');
    writeFileAtomicSync(p, 'newer');
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
    const link = path.join(d, 'link.txt');
    fs.symlinkSync('secret.txt', link);
    await writeFileAtomic(link, 'via link');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(p, 'utf8')).toBe('via link');
  });

  it('leaves one complete version and no temp files after concurrent writes', async () => {
    const d = sub();
    const p = path.join(d, 'c.txt');
    const versions = Array.from({ length: 16 }, (_, i) => `version ${i} `.repeat(1000));
    await Promise.all(versions.map((v) => writeFileAtomic(p, v)));
    expect(versions).toContain(fs.readFileSync(p, 'utf8'));
    expect(fs.readdirSync(d)).toEqual(['c.txt']);
  });
});
