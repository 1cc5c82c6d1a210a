import { sql, type Kysely, type Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * The durable sequence of MOSIP-format registration ids (`RegistrationSequence`): five digits,
 * 1 to 99999, starting again at 1 after 99999 as MOSIP's own RID generator does. PostgreSQL has
 * sequences (never locked, shared by every instance); SQLite keeps a counter row.
 */
export function registrationSequence(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'postgres') {
        await sql`create sequence registration_id_sequence minvalue 1 maxvalue 99999 start 1 cycle`.execute(
          db
        )
        return
      }
      await db.schema
        .createTable('registration_sequence')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute()
    },
    async down(db: Kysely<unknown>) {
      if (dialect === 'postgres') {
        await sql`drop sequence registration_id_sequence`.execute(db)
        return
      }
      await db.schema.dropTable('registration_sequence').execute()
    }
  }
}
