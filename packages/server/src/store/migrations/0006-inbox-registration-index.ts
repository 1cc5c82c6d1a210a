import type { Kysely, Migration } from 'kysely'

/**
 * Recording a registration's submission looks for the deliveries already noted for it
 * (`WebsubInboxRepository.waitingFor`); without an index that was a scan of the whole inbox
 * for every registration.
 */
export function inboxRegistrationIndex(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('websub_inbox_registration_state_idx')
        .on('websub_inbox')
        .columns(['registration_id', 'state'])
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('websub_inbox_registration_state_idx').execute()
    }
  }
}
