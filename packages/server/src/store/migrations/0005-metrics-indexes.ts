import type { Kysely, Migration } from 'kysely'

/**
 * Indexes for the counts the metrics read at every scrape: registrations by state and kind
 * (an index-only scan instead of reading every row), deliveries by state.
 */
export function metricsIndexes(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('registrations_state_kind_idx')
        .on('registrations')
        .columns(['state', 'kind'])
        .execute()
      await db.schema
        .createIndex('websub_inbox_state_idx')
        .on('websub_inbox')
        .column('state')
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('websub_inbox_state_idx').execute()
      await db.schema.dropIndex('registrations_state_kind_idx').execute()
    }
  }
}
