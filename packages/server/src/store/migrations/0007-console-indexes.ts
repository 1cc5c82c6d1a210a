import type { Kysely, Migration } from 'kysely'

/**
 * Indexes for the operator console's lists: registrations most recently changed first (with no
 * state filter), and the deliveries kept for an operator, by state.
 */
export function consoleIndexes(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('registrations_updated_idx')
        .on('registrations')
        .column('updated_at')
        .execute()
      await db.schema
        .createIndex('websub_inbox_state_received_idx')
        .on('websub_inbox')
        .columns(['state', 'received_at'])
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('websub_inbox_state_received_idx').execute()
      await db.schema.dropIndex('registrations_updated_idx').execute()
    }
  }
}
