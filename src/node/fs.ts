// Node-only file helpers: atomic writes (temp file + fsync + rename) and safetensors load/save by path.
// Everything here throws HopgradError naming the function and the path; the browser-safe core is src/io.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import nodePath from 'node:path';
import { HopgradError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ParsedSafetensors, parseSafetensors, serializeSafetensors } from '../io/safetensors.js';

// `fs` and `fsp` are used through their default objects (not named imports) so tests can spy on them.

function wrap(where: string, path: string, err: unknown, doing: 'read' | 'write'): HopgradError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const detail =
    code !== 'ENOENT' ? (err as Error | null)?.message ?? String(err)
    : doing === 'read' ? 'no such file'
    : `no such directory '${nodePath.dirname(path)}'`;
  const e = new HopgradError(`${where}: cannot ${doing} '${path}': ${detail}`);
  e.cause = err;
  return e;
}

/** Where to write: the file a symlink points to (so the link survives), else the path itself. */
function resolveTarget(path: string, real: (p: string) => string): string {
  try {
    return real(path);
  } catch {
    return path;
  }
}

/** A fresh temp-file name next to `target` (same directory, so the rename is atomic). */
function tempName(target: string): string {
  const base = nodePath.basename(target).slice(0, 180);
  return nodePath.join(nodePath.dirname(target), `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

const toBytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? new TextEncoder().encode(data) : data);

/** Flush the directory entry of a rename to disk (best effort: not possible on every platform). */
async function syncDir(dir: string): Promise<void> {
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(dir, 'r');
    await h.sync();
  } catch {
    // Windows cannot open directories; the rename itself is still atomic.
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/**
 * Write `data` (bytes, or a string written as UTF-8) to `path` atomically: a uniquely named temp file in the same
 * directory is written, fsynced and renamed over `path`, so readers and crashes see the old file or the new one,
 * never a partial one. An existing file keeps its permissions; a symlink is followed and its target replaced.
 * On failure the temp file is removed, `path` is untouched, and a HopgradError naming the path is thrown.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  return atomicWrite('writeFileAtomic', path, data);
}

async function atomicWrite(where: string, path: string, data: Uint8Array | string): Promise<void> {
  const target = await fsp.realpath(path).catch(() => path);
  const tmp = tempName(target);
  let handle: fsp.FileHandle | undefined;
  try {
    const mode = await fsp.stat(target).then((s) => s.mode & 0o7777, () => undefined);
    handle = await fsp.open(tmp, 'wx', mode ?? 0o666);
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(toBytes(data));
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw wrap(where, path, err, 'write');
  }
  await syncDir(nodePath.dirname(target));
}

/** Synchronous `writeFileAtomic`: same guarantees (temp file, fsync, rename; old file intact on failure). */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  atomicWriteSync('writeFileAtomicSync', path, data);
}

function atomicWriteSync(where: string, path: string, data: Uint8Array | string): void {
  const target = resolveTarget(path, (p) => fs.realpathSync(p));
  const tmp = tempName(target);
  let fd: number | undefined;
  try {
    let mode: number | undefined;
    try {
      mode = fs.statSync(target).mode & 0o7777;
    } catch {
      mode = undefined;
    }
    fd = fs.openSync(tmp, 'wx', mode ?? 0o666);
    if (mode !== undefined) fs.fchmodSync(fd, mode);
    const bytes = toBytes(data);
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; report the first error
      }
    }
    fs.rmSync(tmp, { force: true });
    throw wrap(where, path, err, 'write');
  }
  try {
    const dfd = fs.openSync(nodePath.dirname(target), 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // best effort, as in syncDir
  }
}

/** Re-throw a serialize/parse HopgradError with the function and path in front. */
function withPath(where: string, path: string, err: unknown): unknown {
  if (!(err instanceof HopgradError)) return err;
  const msg = err.message.replace(/^(parseSafetensors|serializeSafetensors): /, '');
  const e = new HopgradError(`${where}: '${path}': ${msg}`);
  e.cause = err;
  return e;
}

/** Serialize `tensors` (see `serializeSafetensors`) and write them to `path` atomically. */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = serializeSafetensors(tensors, metadata);
  } catch (err) {
    throw withPath('saveSafetensors', path, err);
  }
  await atomicWrite('saveSafetensors', path, bytes);
}

/** Synchronous `saveSafetensors`. */
export function saveSafetensorsSync(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  let bytes: Uint8Array;
  try {
    bytes = serializeSafetensors(tensors, metadata);
  } catch (err) {
    throw withPath('saveSafetensorsSync', path, err);
  }
  atomicWriteSync('saveSafetensorsSync', path, bytes);
}

/** Read and parse a safetensors file (see `parseSafetensors`); errors name the path. */
export async function loadSafetensors(path: string): Promise<ParsedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path);
  } catch (err) {
    throw wrap('loadSafetensors', path, err, 'read');
  }
  try {
    return parseSafetensors(bytes);
  } catch (err) {
    throw withPath('loadSafetensors', path, err);
  }
}

/** Synchronous `loadSafetensors`. */
export function loadSafetensorsSync(path: string): ParsedSafetensors {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    throw wrap('loadSafetensorsSync', path, err, 'read');
  }
  try {
    return parseSafetensors(bytes);
  } catch (err) {
    throw withPath('loadSafetensorsSync', path, err);
  }
}
