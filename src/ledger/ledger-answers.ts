import { z } from 'zod';
import { describes, timestamp } from '../http/answers.js';
import type {
  CheckpointView,
  ConsistencyProof,
  InclusionProof,
  LeafView,
  VerifyReportView,
} from './ledger-view.js';
import type { VerifyReport } from './verify.js';

/** A leaf index or tree size in a query or path (RFC 9162). */
export const ledgerIndex = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const hash = z.string().describe('SHA-256, base64');

/** The ledger answers' schemas, for the OpenAPI document (checked against ledger-view.ts). */
export const checkpointAnswer = describes<CheckpointView>()(
  z.strictObject({
    origin: z.string(),
    size: z.number().int(),
    root: hash,
    time: timestamp,
    note: z.string().describe('The C2SP signed note (c2sp.org/tlog-checkpoint), Ed25519'),
    witnessWarning: z.string().optional().describe('Set when the webhook witness could not be reached'),
  }),
);

export const inclusionAnswer = describes<InclusionProof>()(
  z.strictObject({
    leafIdx: z.number().int(),
    treeSize: z.number().int(),
    root: hash,
    leafHash: hash,
    proof: z.array(hash),
  }),
);

export const consistencyAnswer = describes<ConsistencyProof>()(
  z.strictObject({
    size1: z.number().int(),
    size2: z.number().int(),
    root1: hash,
    root2: hash,
    proof: z.array(hash),
  }),
);

export const leafAnswer = describes<LeafView>()(
  z.strictObject({
    index: z.number().int(),
    leaf: z.string().describe('The leaf bytes, base64'),
    leafHash: hash,
    text: z.string().describe('The canonical JSON of the event'),
  }),
);

const verifyShape = z.strictObject({
  ok: z.boolean(),
  events: z.number().int(),
  checkpoints: z.number().int(),
  witnessed: z.number().int(),
  counts: z.record(z.string(), z.number().int()),
  checks: z.array(
    z.strictObject({
      name: z.string(),
      tables: z.array(z.string()),
      counts: z.record(z.string(), z.number().int()),
      findings: z.number().int(),
    }),
  ),
  root: hash,
  latestCheckpoint: z.number().int().nullable(),
  findings: z.array(
    z.strictObject({ table: z.string(), row: z.string(), kind: z.string(), detail: z.string() }),
  ),
});
// Both: what verify.ts reports and what the web app reads stay the same shape.
export const verifyAnswer = describes<VerifyReportView>()(describes<VerifyReport>()(verifyShape));
