import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, leafHash, nodeHash, verifyConsistency, verifyInclusion } from './merkle.js';
import { MerkleTree } from './merkle-tree.js';

const VECTORS = new URL('../../../shared/vectors/rfc6962/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.json') ? [path] : [];
  });
}

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('RFC 9162 verifiers against ../shared/vectors/rfc6962', () => {
  const inclusion = files(join(VECTORS, 'inclusion'));
  const consistency = files(join(VECTORS, 'consistency'));

  it('has the vectors', () => {
    expect(inclusion.length).toBeGreaterThan(50);
    expect(consistency.length).toBeGreaterThan(50);
  });

  for (const file of inclusion) {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    it(`inclusion ${file.slice(VECTORS.length)}: ${v.desc} (wantErr ${v.wantErr})`, () => {
      const ok = verifyInclusion(
        v.leafIdx,
        v.treeSize,
        b64(v.leafHash ?? ''),
        (v.proof ?? []).map(b64),
        b64(v.root ?? ''),
      );
      expect(ok).toBe(!v.wantErr);
    });
  }

  for (const file of consistency) {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    it(`consistency ${file.slice(VECTORS.length)}: ${v.desc} (wantErr ${v.wantErr})`, () => {
      const ok = verifyConsistency(
        v.size1,
        v.size2,
        (v.proof ?? []).map(b64),
        b64(v.root1 ?? ''),
        b64(v.root2 ?? ''),
      );
      expect(ok).toBe(!v.wantErr);
    });
  }
});

/** A reference MTH straight from the RFC's recursive definition. */
function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

describe('MerkleTree', () => {
  it('matches the RFC 6962 reference root for 8 leaves', () => {
    // The tree of the RFC 6962 test data: leaves "", 00, 10, 2021, 3031, 40414243, 5051525354555657, 606162...
    const leaves = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ];
    const tree = new MerkleTree();
    for (const l of leaves) tree.append(leafHash(Buffer.from(l, 'hex')));
    expect(tree.root().toString('base64')).toBe('XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=');
  });

  it('roots, inclusion and consistency proofs verify for every size and index (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(), (n, a, b) => {
        const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
        const tree = new MerkleTree();
        for (const l of leaves) tree.append(l);
        const size = 1 + (a % n);
        const index = b % size;
        const root = tree.root(size);
        expect(root).toEqual(referenceRoot(leaves.slice(0, size)));
        expect(
          verifyInclusion(index, size, leaves[index] as Buffer, tree.inclusionProof(index, size), root),
        ).toBe(true);
        const size1 = 1 + (b % size);
        expect(
          verifyConsistency(size1, size, tree.consistencyProof(size1, size), tree.root(size1), root),
        ).toBe(true);
        // A different leaf, index or root fails.
        expect(
          verifyInclusion(
            index,
            size,
            leafHash(Buffer.from('other')),
            tree.inclusionProof(index, size),
            root,
          ),
        ).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
