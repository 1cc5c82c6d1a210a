import type { Kysely, Migration } from 'kysely'

/**
 * `jobs.snoozes`: how often a job asked to run again later without its attempt being counted
 * (a partner system down, our own state not caught up yet). Its backoff grows with this count,
 * while `attempts` only counts failures of unknown kind.
 */
export function jobSnoozes(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('jobs')
        .addColumn('snoozes', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').dropColumn('snoozes').execute()
    }
  }
}
