import { sql, type Kysely, type Migration, type RawBuilder, type SqlBool } from 'kysely'

/**
 * The conditions of the partial indexes below, written once: a query uses such an index on
 * SQLite only when its WHERE clause states the same terms, so the operator queries build their
 * conditions from these (see operator-queries.ts). Frozen with the migration: a later change of
 * which states are final needs a new migration and new predicates.
 */
export const SUBMITTED_PREDICATE: RawBuilder<SqlBool> = sql`state = 'submitted'`
export const UNFINISHED_PREDICATE: RawBuilder<SqlBool> = sql`state not in ('confirmed', 'completed', 'rejected')`
export const HOLDING_TOKEN_PREDICATE: RawBuilder<SqlBool> = sql`token_sealed is not null`

/**
 * Indexes for the figures the metrics, `status` and the console's overview read every few
 * seconds. Without them each figure read every row waiting on MOSIP: with 100,000 of them, about
 * 0.2 s apiece, a second of the bridge's event loop per scrape on SQLite. Partial indexes
 * hold only the rows a figure counts, so transitions between other states never touch them.
 */
export function operatorFigureIndexes(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Stalled registrations (submitted before a time) and registrations by MOSIP's last answer.
      await db.schema
        .createIndex('registrations_submitted_idx')
        .on('registrations')
        .columns(['submitted_at', 'mosip_status'])
        .where(SUBMITTED_PREDICATE)
        .execute()
      // The oldest unfinished registration, and unfinished registrations oldest first.
      await db.schema
        .createIndex('registrations_unfinished_idx')
        .on('registrations')
        .column('created_at')
        .where(UNFINISHED_PREDICATE)
        .execute()
      // Unfinished registrations whose OpenCRVS token expires soon.
      await db.schema
        .createIndex('registrations_token_expiry_idx')
        .on('registrations')
        .column('token_expires_at')
        .where((eb) => eb.and([HOLDING_TOKEN_PREDICATE, UNFINISHED_PREDICATE]))
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('registrations_token_expiry_idx').execute()
      await db.schema.dropIndex('registrations_unfinished_idx').execute()
      await db.schema.dropIndex('registrations_submitted_idx').execute()
    }
  }
}
