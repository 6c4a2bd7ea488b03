// The registry of `hopgrad` commands, in the order `hopgrad --help` lists them.
// To add a command: create src/cli/commands/<name>.ts exporting `defineCommand({ name, summary, flags, run })`
// (see ./datasets.ts for a complete small example, ../command.ts for COMMON flags and the context), then add its
// import below and its entry in COMMANDS. Tests: run it in-process with `runCli(['<name>', …], io)` from ../main.ts.
import type { AnyCommand } from '../command.js';
import { datasets } from './datasets.js';
import { efficiency } from './efficiency.js';
import { forecast } from './forecast.js';
import { mil } from './mil.js';
import { retrieve } from './retrieve.js';
import { verify } from './verify.js';
import { version } from './version.js';

/** Every command, by name. */
export const COMMANDS: readonly AnyCommand[] = [
  datasets,
  efficiency,
  forecast,
  mil,
  retrieve,
  verify,
  version,
];
