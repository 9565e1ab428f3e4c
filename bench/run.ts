import { benchBackup } from './backup.js';
import { benchCore } from './core.js';
import { benchDeid } from './deid.js';
import { benchExport } from './export.js';
import { benchHttp } from './http.js';
import { benchImport } from './import.js';
import { benchIngest } from './ingest.js';
import { benchLedger } from './ledger.js';

/** `npm run bench -- NAME`: runs one benchmark and prints its JSON on stdout. */
const BENCHES: Record<string, () => Promise<unknown>> = {
  backup: benchBackup,
  core: benchCore,
  deid: benchDeid,
  export: benchExport,
  http: benchHttp,
  import: benchImport,
  ingest: benchIngest,
  ledger: benchLedger,
};

const name = process.argv[2];
const bench = name === undefined ? undefined : BENCHES[name];
if (bench === undefined) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}>`);
  process.exitCode = 2;
} else {
  const result = await bench();
  console.log(
    JSON.stringify({ ...(result as object), node: process.version, at: new Date().toISOString() }, null, 2),
  );
}
