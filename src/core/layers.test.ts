import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SRC = new URL('..', import.meta.url).pathname;
/** One direction through src/ (docs/architecture.md): a folder imports only folders to its left. */
const ORDER = ['core', 'crypto', 'config', 'http', 'storage', 'ledger', 'vault', 'authz', 'studies', 'access']
  .concat([
    'forms',
    'schedule',
    'participants',
    'records',
    'signatures',
    'grid',
    'audit',
    'import',
    'demo',
    'devices',
    'backup',
    'export',
  ])
  .concat(['app', 'server', 'cli', 'web']);
/** http/ is a side library: only the HTTP edge of a capability (routes, answer schemas) and the faces use it. */
const HTTP_USER = /(^|\/)(routes|[a-z-]+-routes|[a-z-]+-answers)\.ts$|^(server|cli|web)\//;

const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.tsx?$/.test(f) && !f.includes('.test.'))
  .map((f) => ({ file: f, text: readFileSync(`${SRC}${f}`, 'utf8') }));
const folder = (path: string) => path.split('/')[0] ?? '';
const resolve = (from: string, spec: string) =>
  new URL(spec, `file:///${from}`).pathname.slice(1).replace(/\.js$/, '.ts');

describe('layers (issue #14)', () => {
  const edges = new Map<string, Set<string>>();
  const offenders: string[] = [];
  for (const { file, text } of files) {
    for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(file, spec ?? '');
      const [a, b] = [folder(file), folder(target)];
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a)?.add(b);
      const wrong = b === 'http' ? !HTTP_USER.test(file) : ORDER.indexOf(b) > ORDER.indexOf(a);
      if (wrong) offenders.push(`${file} -> ${target}`);
    }
  }

  it('every folder is in the declared order', () => {
    expect(files.map((f) => folder(f.file)).filter((d) => !ORDER.includes(d))).toEqual([]);
  });

  it('every import points left in the declared order (http/ only from routes and faces)', () => {
    expect(offenders).toEqual([]);
  });

  it('no circle between folders', () => {
    const circles = new Set<string>();
    for (const [a, targets] of edges) {
      for (const b of targets) {
        const back = new Map<string, string>([[b, a]]); // breadth-first from b back to a
        for (const at of back.keys()) for (const n of edges.get(at) ?? []) if (!back.has(n)) back.set(n, at);
        if (!back.has(a) || back.get(a) === undefined) continue;
        const loop = [a];
        for (let at = back.get(a); at !== undefined && at !== a; at = back.get(at)) loop.unshift(at);
        circles.add([...new Set(loop)].sort().join(' <-> '));
      }
    }
    expect([...circles]).toEqual([]);
  });

  it('no file over 400 lines', () => {
    expect(files.filter((f) => f.text.split('\n').length > 400).map((f) => f.file)).toEqual([]);
  });
});
