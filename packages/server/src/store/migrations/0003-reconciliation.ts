import { sql, type Kysely, type Migration } from 'kysely'

/**
 * What reconciliation with MOSIP keeps per registration: the MOSIP registration id in use (a
 * resubmission MOSIP asked for with RESEND or REREGISTER takes a new one; every id used stays in
 * `registration_mosip_ids`), MOSIP's last answer and when it was asked, how many checks in a row
 * brought the same answer, when to ask next, the resubmissions made, and when the packet reached
 * MOSIP (for the stalled count).
 */
export function reconciliation(): Migration {
  const millis = sql`bigint`
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('registrations').addColumn('mosip_id', 'text').execute()
      await db.schema.alterTable('registrations').addColumn('mosip_status', 'text').execute()
      await db.schema.alterTable('registrations').addColumn('mosip_checked_at', millis).execute()
      await db.schema
        .alterTable('registrations')
        .addColumn('mosip_unchanged_checks', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema.alterTable('registrations').addColumn('reconcile_at', millis).execute()
      await db.schema
        .alterTable('registrations')
        .addColumn('resubmissions', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema.alterTable('registrations').addColumn('submitted_at', millis).execute()
      // Registrations already waiting on MOSIP are checked at the first pass.
      await sql`update registrations set submitted_at = updated_at, reconcile_at = updated_at where state = 'submitted'`.execute(
        db
      )
      await db.schema
        .createIndex('registrations_state_reconcile_idx')
        .on('registrations')
        .columns(['state', 'reconcile_at'])
        .execute()

      await db.schema
        .createTable('registration_mosip_ids')
        .addColumn('mosip_id', 'text', (c) => c.primaryKey())
        .addColumn('registration_id', 'text', (c) =>
          c.notNull().references('registrations.id').onDelete('cascade')
        )
        /** Why this id was taken: RESEND, REREGISTER. */
        .addColumn('cause', 'text', (c) => c.notNull())
        .addColumn('created_at', millis, (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('registration_mosip_ids_registration_idx')
        .on('registration_mosip_ids')
        .column('registration_id')
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('registration_mosip_ids').execute()
      await db.schema.dropIndex('registrations_state_reconcile_idx').execute()
      for (const column of [
        'submitted_at',
        'resubmissions',
        'reconcile_at',
        'mosip_unchanged_checks',
        'mosip_checked_at',
        'mosip_status',
        'mosip_id'
      ]) {
        await db.schema.alterTable('registrations').dropColumn(column).execute()
      }
    }
  }
}
