import type { Kysely } from 'kysely'
import type { Database, WebsubInboxEntry } from './schema.js'
import type { SecretBox } from './secret-box.js'
import { HotQueries } from './hot-queries.js'

/** What a delivery's sealed body is bound to (see SecretBox): its event id. */
export const sealContext = (eventId: string) => `websub_inbox.body:${eventId}`

/** States of a delivery that was kept for an operator instead of being processed. */
const KEPT_DELIVERY_STATES = ['unmatched', 'undecryptable', 'invalid'] as const

/** Deliveries from the MOSIP WebSub hub, keyed by MOSIP event id (deliveries repeat). */
export class WebsubInboxRepository {
  private readonly hot = new HotQueries()

  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly clock: () => number = Date.now
  ) {}

  /** Stores a delivery; `created: false` means this event id was already received. */
  async record(
    executor: Kysely<Database>,
    delivery: { eventId: string; topic: string; body: string }
  ): Promise<{ created: boolean }> {
    const inserted = await this.hot.first(
      executor,
      'record',
      {
        eventId: delivery.eventId,
        topic: delivery.topic,
        body: this.box.seal(delivery.body, sealContext(delivery.eventId)),
        now: this.clock()
      },
      (value) =>
        executor
          .insertInto('websub_inbox')
          .values({
            event_id: value('eventId'),
            topic: value('topic'),
            state: 'received',
            registration_id: null,
            note: null,
            body_sealed: value('body'),
            received_at: value('now'),
            processed_at: null
          })
          .onConflict((oc) => oc.column('event_id').doNothing())
          .returning('event_id')
    )
    return { created: inserted !== undefined }
  }

  async get(eventId: string): Promise<WebsubInboxEntry | undefined> {
    return this.hot.first(this.db, 'get', { eventId }, (value) =>
      this.db.selectFrom('websub_inbox').selectAll().where('event_id', '=', value('eventId'))
    )
  }

  /** The sealed body of an entry already read, opened. */
  bodyOf(entry: WebsubInboxEntry): string | undefined {
    return entry.body_sealed
      ? this.box.open(entry.body_sealed, sealContext(entry.event_id))
      : undefined
  }

  async readBody(eventId: string): Promise<string | undefined> {
    const row = await this.get(eventId)
    return row?.body_sealed ? this.box.open(row.body_sealed, sealContext(eventId)) : undefined
  }

  /**
   * Records what became of a delivery. `keepBody` keeps the sealed body (a credential we could
   * not match or use stays available to an operator); otherwise it is erased. `onlyIfReceived`
   * leaves a delivery another job has already recorded as it is.
   */
  async markProcessed(
    executor: Kysely<Database>,
    eventId: string,
    state: string,
    details: {
      registrationId?: string | null
      note?: string | null
      keepBody?: boolean
      onlyIfReceived?: boolean
    } = {}
  ): Promise<void> {
    const withRegistration = details.registrationId !== undefined
    const withNote = details.note !== undefined
    const shape = [
      details.keepBody ? 'keep' : 'erase',
      withRegistration ? 'registration' : '',
      withNote ? 'note' : '',
      details.onlyIfReceived ? 'if-received' : ''
    ].join(',')
    const values = {
      eventId,
      state,
      now: this.clock(),
      registrationId: details.registrationId ?? null,
      note: details.note ?? null
    }
    await this.hot.run(executor, `mark:${shape}`, values, (value) => {
      let update = executor
        .updateTable('websub_inbox')
        .set({
          state: value('state'),
          processed_at: value('now'),
          ...(details.keepBody ? {} : { body_sealed: null }),
          ...(withRegistration ? { registration_id: value<string>('registrationId') } : {}),
          ...(withNote ? { note: value<string>('note') } : {})
        })
        .where('event_id', '=', value('eventId'))
      if (details.onlyIfReceived) update = update.where('state', '=', 'received')
      return update
    })
  }

  /**
   * Replaces the body of a delivery still waiting to be processed (sealed like the first): a
   * credential fetched from a data share is kept in it, so that processing it again (a snooze,
   * a restart, an operator's retry) never reads the share again — MOSIP allows a data share
   * only a few reads.
   */
  async replaceBody(executor: Kysely<Database>, eventId: string, body: string): Promise<void> {
    await executor
      .updateTable('websub_inbox')
      .set({ body_sealed: this.box.seal(body, sealContext(eventId)) })
      .where('event_id', '=', eventId)
      .where('state', '=', 'received')
      .execute()
  }

  /**
   * Notes which registration a delivery still waiting to be processed belongs to (its
   * credential arrived before the registration's submission was recorded), so that recording
   * the submission finds it: see `waitingFor`.
   */
  async noteRegistration(
    executor: Kysely<Database>,
    eventId: string,
    registrationId: string
  ): Promise<void> {
    await executor
      .updateTable('websub_inbox')
      .set({ registration_id: registrationId })
      .where('event_id', '=', eventId)
      .where('state', '=', 'received')
      .execute()
  }

  /** Event ids of the deliveries noted for `registrationId` that are not processed yet. */
  async waitingFor(executor: Kysely<Database>, registrationId: string): Promise<string[]> {
    const rows = await this.hot.rows(executor, 'waiting-for', { registrationId }, (value) =>
      executor
        .selectFrom('websub_inbox')
        .select('event_id')
        .where('registration_id', '=', value('registrationId'))
        .where('state', '=', 'received')
        .orderBy('received_at')
    )
    return rows.map((row) => row.event_id)
  }

  /**
   * Puts a delivery kept for an operator (with its body still there) back to `received`;
   * false when there is no such delivery.
   */
  async reopenKept(executor: Kysely<Database>, eventId: string): Promise<boolean> {
    const result = await executor
      .updateTable('websub_inbox')
      .set({ state: 'received', processed_at: null, note: null })
      .where('event_id', '=', eventId)
      .where('state', 'in', KEPT_DELIVERY_STATES)
      .where('body_sealed', 'is not', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async list(filter: { state?: string; limit?: number } = {}): Promise<WebsubInboxEntry[]> {
    let query = this.db.selectFrom('websub_inbox').selectAll()
    if (filter.state) query = query.where('state', '=', filter.state)
    return query
      .orderBy('received_at', 'desc')
      .limit(filter.limit ?? 100)
      .execute()
  }
}
