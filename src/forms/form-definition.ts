import { z } from 'zod';
import { DATA_CLASSES, PROTECTED_CLASSES } from '../core/data-class.js';
import { CODE_SEPARATOR } from '../core/field-value.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { IDENTIFIER_KINDS } from '../crypto/identifier-kinds.js';
import { checkFormLogic } from './logic/form-logic.js';
import { MAX_EXPRESSION_LENGTH } from './logic/parser.js';

export { DATA_CLASSES, type DataClass, PROTECTED_CLASSES } from '../core/data-class.js';

/**
 * Form definitions (CRFs), aligned with CDISC ODM concepts: a form (ODM FormDef) holds fields
 * (ODM ItemDef) with a type, validation and a data class that decides how the value is protected.
 * docs/forms.md documents the format.
 */
export const FIELD_TYPES = [
  'text',
  'integer',
  'decimal',
  'date',
  'datetime',
  'boolean',
  'choice',
  'multichoice',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
/** The types whose values are codes from the field's `choices`: one (`choice`) or any number (`multichoice`). */
export const CHOICE_TYPES: ReadonlySet<FieldType> = new Set(['choice', 'multichoice']);
export const hasChoices = (type: FieldType): boolean => CHOICE_TYPES.has(type);

const OID = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_PATTERN_LENGTH = 200;
export const DEFAULT_MAX_TEXT = 1000;

const choiceSchema = z.strictObject({
  code: z.string().min(1).max(64),
  label: z.string().min(1).max(200),
});

const fieldSchema = z.strictObject({
  oid: z.string().regex(OID, 'must be upper case letters, digits and _ (ODM OID style), at most 64'),
  label: z.string().min(1).max(200),
  type: z.enum(FIELD_TYPES),
  class: z.enum(DATA_CLASSES),
  required: z.boolean().optional(),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).optional(),
  maxLength: z.number().int().min(1).max(100_000).optional(),
  choices: z.array(choiceSchema).min(1).max(500).optional(),
  unit: z.string().min(1).max(32).optional(),
  lookup: z.enum(IDENTIFIER_KINDS).optional(),
  help: z.string().max(1000).optional(),
  /** Branching: the field is shown (and may hold a value) only when this expression holds (docs/logic.md). */
  show: z.string().min(1).max(MAX_EXPRESSION_LENGTH).optional(),
  /** Calculated: the server computes the value from this expression; clients never set it. */
  calc: z.string().min(1).max(MAX_EXPRESSION_LENGTH).optional(),
});

/** A cross-field edit check: `expr` must hold, else entry is refused with `message`. */
const checkSchema = z.strictObject({
  id: z.string().regex(OID, 'must be upper case letters, digits and _ (ODM OID style), at most 64'),
  expr: z.string().min(1).max(MAX_EXPRESSION_LENGTH),
  message: z.string().min(1).max(300),
});

export const formDefinitionSchema = z
  .strictObject({
    oid: z.string().regex(OID, 'must be upper case letters, digits and _ (ODM OID style), at most 64'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    repeating: z.boolean().optional(),
    fields: z.array(fieldSchema).min(1).max(500),
    checks: z.array(checkSchema).max(200).optional(),
  })
  .superRefine((form, ctx) => {
    const seen = new Set<string>();
    form.fields.forEach((field, index) => {
      const path = ['fields', index];
      if (seen.has(field.oid))
        ctx.addIssue({ code: 'custom', path, message: `duplicate field ${field.oid}` });
      seen.add(field.oid);
      if (hasChoices(field.type) && field.choices === undefined) {
        ctx.addIssue({ code: 'custom', path, message: `${field.type} field ${field.oid} needs choices` });
      }
      const codes = new Set<string>();
      for (const [at, choice] of (field.choices ?? []).entries()) {
        if (codes.has(choice.code)) {
          const where = [...path, 'choices', at, 'code'];
          ctx.addIssue({
            code: 'custom',
            path: where,
            message: `duplicate choice code "${choice.code}" in ${field.oid}`,
          });
        }
        codes.add(choice.code);
        if (field.type === 'multichoice' && choice.code.includes(CODE_SEPARATOR)) {
          const where = [...path, 'choices', at, 'code'];
          const message = `multichoice codes may not contain "${CODE_SEPARATOR}" (${field.oid})`;
          ctx.addIssue({ code: 'custom', path: where, message });
        }
      }
      if (!hasChoices(field.type) && field.choices !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `only choice and multichoice fields take choices (${field.oid})`,
        });
      }
      if (
        (field.min !== undefined || field.max !== undefined) &&
        field.type !== 'integer' &&
        field.type !== 'decimal'
      ) {
        ctx.addIssue({ code: 'custom', path, message: `only numeric fields take min/max (${field.oid})` });
      }
      if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
        ctx.addIssue({ code: 'custom', path, message: `min is above max (${field.oid})` });
      }
      if (field.pattern !== undefined) {
        if (field.type !== 'text') {
          ctx.addIssue({ code: 'custom', path, message: `only text fields take a pattern (${field.oid})` });
        }
        try {
          new RegExp(field.pattern, 'u');
        } catch {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `pattern of ${field.oid} is not a valid expression`,
          });
        }
      }
      if (field.lookup !== undefined && (field.class !== 'identifier' || field.type !== 'text')) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `lookup needs a text field of class identifier (${field.oid})`,
        });
      }
    });
    // Expressions are parsed here, at definition time: a bad one is refused with its field named.
    for (const problem of checkFormLogic(form)) ctx.addIssue({ code: 'custom', ...problem });
  });

export type FormDefinition = z.infer<typeof formDefinitionSchema>;
export type FieldDefinition = FormDefinition['fields'][number];

/** Parses a definition; issues are reported by path, and the definition itself is never echoed. */
export function parseFormDefinition(input: unknown): Result<FormDefinition> {
  const parsed = formDefinitionSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  return err(invalidInput(parsed.error, 'The form definition is invalid.'));
}

export function isProtected(field: FieldDefinition): boolean {
  return PROTECTED_CLASSES.has(field.class);
}
