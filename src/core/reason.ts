import { z } from 'zod';

/**
 * A reason for change: mandatory on every change after first entry (21 CFR 11.10(e); ICH E6(R3) 2.12.8).
 * Reasons are stored as written, so the UI and docs ask that they hold no protected value.
 */
export const reasonSchema = z.string().trim().min(3).max(1000);
