import type { Kysely, Migration } from 'kysely';

/**
 * A recipient may register an age X25519 public key (issue #16): its exports are then written
 * encrypted to it. A public key is not a protected value; the row stays sealed (export.recipient).
 */
export function exportRecipientKeysMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('export_recipients').addColumn('age_recipient', 'text').execute();
    },
  };
}
