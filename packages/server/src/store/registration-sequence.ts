import { PostgresAdapter, sql } from 'kysely'
import type { Executor } from './database.js'

/** The largest value of the five-digit sequence; the next one is 1 again. */
export const REGISTRATION_SEQUENCE_MAX = 99_999

/**
 * The next value of the registration id sequence (1 to 99999, then 1 again), unique among every
 * instance sharing the database. Run on a transaction, the value is part of it; on PostgreSQL a
 * sequence value is never given twice even when the transaction rolls back (gaps are harmless),
 * and no lock is held, so concurrent intakes never wait on each other here.
 */
export async function nextRegistrationSequence(executor: Executor): Promise<number> {
  if (executor.getExecutor().adapter instanceof PostgresAdapter) {
    const result = await sql<{
      value: string | number
    }>`select nextval('registration_id_sequence') as value`.execute(executor)
    return Number(result.rows[0]?.value)
  }
  // One statement, so concurrent writers (other processes on the same file) each get their own
  // value: SQLite runs it under its write lock.
  const result = await sql<{ value: number }>`
    insert into registration_sequence (name, value) values ('registration_id', 1)
    on conflict (name) do update
      set value = case when registration_sequence.value >= ${REGISTRATION_SEQUENCE_MAX} then 1
                       else registration_sequence.value + 1 end
    returning value`.execute(executor)
  return Number(result.rows[0]?.value)
}

/** Where one process draws registration sequence values. */
export interface RegistrationSequenceSource {
  next(executor: Executor): Promise<number>
}

/**
 * Draws registration sequence values for one process. On PostgreSQL, where each draw is a round
 * trip inside the intake's transaction, `batch` values are drawn at once and handed out in turn:
 * a sequence value is given once whatever happens to the transaction, so values kept for later
 * stay unique among instances (an instance that stops leaves a gap, which is harmless). SQLite
 * draws in process, one value at a time, as part of the intake's transaction.
 */
export function registrationSequenceSource(batch = 16): RegistrationSequenceSource {
  const drawn: number[] = []
  return {
    async next(executor) {
      if (!(executor.getExecutor().adapter instanceof PostgresAdapter)) {
        return nextRegistrationSequence(executor)
      }
      if (drawn.length === 0) {
        const result = await sql<{ value: string | number }>`
          select nextval('registration_id_sequence') as value
          from generate_series(1, ${batch})`.execute(executor)
        // Concurrent callers may both draw; every value drawn is used.
        drawn.push(...result.rows.map((row) => Number(row.value)))
      }
      return drawn.shift() as number
    }
  }
}
