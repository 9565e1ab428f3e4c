#!/usr/bin/env node
// The trialvault command: runs the compiled CLI (built by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('trialvault: the build is missing; run "npm run build" (npm ci does it).\n');
  process.exit(2);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2));
