#!/usr/bin/env node
// The `hopgrad` command (package.json "bin"). From a clone it runs the TypeScript sources (src/cli/main.ts)
// through tsx's in-process ESM loader, so no build step is needed; from an installed package (no src/, or
// tsx absent) it runs the built dist/cli/main.js. Either way it calls runCli and exits with its code.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

async function entry() {
  if (existsSync(source)) {
    try {
      const { register } = await import('tsx/esm/api');
      register();
      return source;
    } catch (err) {
      if (!existsSync(built)) {
        console.error(`hopgrad: cannot run the TypeScript sources (tsx is not installed: run npm ci) and there is no build (npm run build): ${err.message}`);
        process.exit(1);
      }
    }
  }
  if (!existsSync(built)) {
    console.error('hopgrad: dist/cli/main.js is missing: run npm run build');
    process.exit(1);
  }
  return built;
}

const { runCli } = await import((await entry()).href);
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Exit even if a library left a handle open (a worker, a timer); unref'd, so a clean run exits at once.
setTimeout(() => process.exit(code), 1000).unref();
