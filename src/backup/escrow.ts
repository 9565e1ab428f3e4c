import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { combine, split } from 'shamir-secret-sharing';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { bundleBytes, type KeyBundle, parseBundle } from './key-bundle.js';

/**
 * Key escrow (docs/backup.md, "Key recovery"): the key bundle split into Shamir shares over GF(2^8)
 * (shamir-secret-sharing), one per custodian. Any K shares rebuild it; fewer than K are independent
 * of the bundle (information-theoretic), so one stolen share tells its thief nothing.
 */
const SHARE_FORMAT = 'trialvault-key-share-v1';

export interface ShareFile {
  readonly format: typeof SHARE_FORMAT;
  /** Shares of one split carry the same set id; shares of different splits do not combine. */
  readonly set: string;
  readonly index: number;
  readonly shares: number;
  readonly threshold: number;
  readonly share: string;
  readonly note: string;
}

export async function escrowShares(
  bundle: KeyBundle,
  shares: number,
  threshold: number,
): Promise<Result<ShareFile[]>> {
  if (
    !Number.isSafeInteger(shares) ||
    !Number.isSafeInteger(threshold) ||
    threshold < 2 ||
    shares < threshold ||
    shares > 255
  )
    return err(
      appError(
        'VALIDATION_FAILED',
        'Choose 2 <= threshold <= shares <= 255 (e.g. --shares 5 --threshold 3).',
      ),
    );
  const set = randomBytes(8).toString('hex');
  const parts = await split(new Uint8Array(bundleBytes(bundle)), shares, threshold);
  return ok(
    parts.map((part, i) => ({
      format: SHARE_FORMAT,
      set,
      index: i + 1,
      shares,
      threshold,
      share: Buffer.from(part).toString('base64'),
      note: `TrialVault key-recovery share ${i + 1} of ${shares}: ${threshold} together recover the study's keys. Keep it apart from the other shares and from the server.`,
    })),
  );
}

/** Writes one file per share (0600) into a new directory; hand each to a different custodian. */
export function writeShareFiles(dir: string, files: readonly ShareFile[]): Result<string[]> {
  const paths = files.map((f) => join(dir, `share-${f.index}-of-${f.shares}.json`));
  if (paths.some((p) => existsSync(p)))
    return err(appError('ALREADY_EXISTS', 'Share files exist in this directory already; choose a new one.'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  files.forEach((f, i) => {
    writeFileSync(paths[i] ?? '', `${JSON.stringify(f, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  });
  return ok(paths);
}

function readShare(file: string): Result<ShareFile> {
  try {
    const f = JSON.parse(readFileSync(file, 'utf8')) as ShareFile;
    if (f.format !== SHARE_FORMAT || typeof f.share !== 'string' || typeof f.set !== 'string')
      throw new Error('format');
    return ok(f);
  } catch {
    return err(
      appError('VALIDATION_FAILED', 'A share file is missing or not a TrialVault key share.', { file }),
    );
  }
}

/** Rebuilds the key bundle from K or more share files of one split. */
export async function recoverFromShares(files: readonly string[]): Promise<Result<KeyBundle>> {
  const shares: ShareFile[] = [];
  for (const file of files) {
    const share = readShare(file);
    if (!share.ok) return share;
    shares.push(share.value);
  }
  const first = shares[0];
  if (first === undefined)
    return err(appError('VALIDATION_FAILED', 'Give the share files (--share FILE, K times).'));
  if (shares.some((s) => s.set !== first.set))
    return err(appError('VALIDATION_FAILED', 'The shares come from different escrow splits.'));
  const distinct = new Map(shares.map((s) => [s.index, s]));
  if (distinct.size < first.threshold)
    return err(
      appError(
        'VALIDATION_FAILED',
        `${first.threshold} different shares are needed; ${distinct.size} given.`,
        {
          threshold: first.threshold,
          given: distinct.size,
        },
      ),
    );
  const secret = await combine(
    [...distinct.values()].map((s) => new Uint8Array(Buffer.from(s.share, 'base64'))),
  );
  return parseBundle(secret);
}

/** The recovered bundle as a file (0600) for `trialvault backup restore --key-bundle`. */
export function writeBundleFile(file: string, bundle: KeyBundle): Result<string> {
  if (existsSync(file))
    return err(appError('ALREADY_EXISTS', 'The bundle file exists already; choose a new path.'));
  writeFileSync(file, bundleBytes(bundle), { mode: 0o600, flag: 'wx' });
  return ok(file);
}
