import type { Kysely, Migration } from 'kysely';

/**
 * Break-glass review (issue #12): a second person, not the requester, reviews every emergency access,
 * recorded on its row (who, when, the outcome and a note). Rows from before have none: they show as
 * awaiting review.
 */
export function breakGlassReviewMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const column of ['reviewed_at', 'reviewed_by', 'review_outcome', 'review_note']) {
        await db.schema.alterTable('break_glass').addColumn(column, 'text').execute();
      }
    },
  };
}
