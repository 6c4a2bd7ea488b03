// `hopgrad version`: the package version and the Node runtime (also `hopgrad --version`).
import { readFileSync } from 'node:fs';
import { defineCommand } from '../command.js';

/** The version field of hopgrad's package.json (three levels up from src/cli/commands and dist/cli/commands). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** `hopgrad version`. */
export const version = defineCommand({
  name: 'version',
  summary: 'print the hopgrad version and the Node.js version',
  flags: {},
  run(ctx) {
    ctx.print(`hopgrad ${packageVersion()} (Node.js ${process.version})`);
  },
});
