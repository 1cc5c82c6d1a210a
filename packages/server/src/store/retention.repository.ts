import { FINAL_STATES } from '../core/registration-state.js'
import type { Store } from './database.js'

/** Rows removed per statement: purges run in bounded steps so no statement holds locks long. */
const BATCH = 5_000

/**
 * What the bridge forgets after a while: processed WebSub deliveries (their body is already
 * wiped), operators' WebSub intents, and the older history entries of finished registrations. A registration row itself is
 * kept, with its last history entry (the final state and its reason), so a record sent again
 * is still recognised. Deliveries kept for an operator stay until handled.
 */
export class RetentionRepository {
  constructor(private readonly store: Store) {}

  /** Deletes deliveries processed (or duplicates) before `before`; returns how many. */
  async purgeDeliveries(before: number): Promise<number> {
    let total = 0
    for (;;) {
      const result = await this.store.db
        .deleteFrom('websub_inbox')
        .where('event_id', 'in', (eb) =>
          eb
            .selectFrom('websub_inbox')
            .select('event_id')
            .where('state', 'in', ['processed', 'duplicate'])
            .where('processed_at', '<', before)
            .limit(BATCH)
        )
        .executeTakeFirst()
      const removed = Number(result.numDeletedRows)
      total += removed
      if (removed < BATCH) return total
    }
  }

  /**
   * Deletes the WebSub intents operators asked for (`websub resubscribe`…) that expired before
   * `before`, whatever became of them; returns how many. The audit trail keeps the requests.
   */
  async purgeWebsubIntents(before: number): Promise<number> {
    const result = await this.store.db
      .deleteFrom('websub_intents')
      .where('expires_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /**
   * Deletes history entries recorded before `before` of registrations that ended before then,
   * keeping each registration's last entry; returns how many.
   */
  async purgeFinishedHistory(before: number): Promise<number> {
    let total = 0
    for (;;) {
      const result = await this.store.db
        .deleteFrom('registration_history')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('registration_history as h')
            .innerJoin('registrations as r', 'r.id', 'h.registration_id')
            .select('h.id')
            .where('r.state', 'in', [...FINAL_STATES])
            .where('r.updated_at', '<', before)
            .where('h.at', '<', before)
            .where(({ exists, selectFrom }) =>
              exists(
                selectFrom('registration_history as later')
                  .select('later.id')
                  .whereRef('later.registration_id', '=', 'h.registration_id')
                  .whereRef('later.id', '>', 'h.id')
              )
            )
            .limit(BATCH)
        )
        .executeTakeFirst()
      const removed = Number(result.numDeletedRows)
      total += removed
      if (removed < BATCH) return total
    }
  }
}
