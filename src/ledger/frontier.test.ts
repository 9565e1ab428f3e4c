import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extendFrontier, frontierFits, frontierRoot, packFrontier, unpackFrontier } from './frontier.js';
import { MerkleTree } from './merkle-tree.js';

const leaf = (i: number) => createHash('sha256').update(`leaf ${i}`).digest();

describe('Merkle frontier (RFC 9162 roots from compact ranges)', () => {
  it('gives the same root as the full tree at every size, and the tree gives the same frontier (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 300 }), (start, more) => {
        const tree = new MerkleTree();
        for (let i = 0; i < start; i++) tree.append(leaf(i));
        const frontier = unpackFrontier(packFrontier(tree.frontier()));
        expect(frontierFits(frontier, start)).toBe(true);
        let size = start;
        for (let i = 0; i < more; i++) {
          size = extendFrontier(frontier, size, leaf(start + i));
          tree.append(leaf(start + i));
        }
        expect(frontierRoot(frontier).equals(tree.root())).toBe(true);
        expect(packFrontier(frontier).equals(packFrontier(tree.frontier()))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a frontier of the wrong shape does not fit', () => {
    expect(frontierFits([leaf(1)], 3)).toBe(false);
    expect(frontierFits([leaf(1)], 2)).toBe(true);
    expect(frontierFits([leaf(1), leaf(2)], 3)).toBe(true);
  });
});
