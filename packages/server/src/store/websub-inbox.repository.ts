import type { Kysely } from 'kysely'
import type { Database, WebsubInboxEntry } from './schema.js'
import type { SecretBox } from './secret-box.js'

const sealContext = (eventId: string) => `websub_inbox.body:${eventId}`

/** Deliveries from the MOSIP WebSub hub, keyed by MOSIP event id (deliveries repeat). */
export class WebsubInboxRepository {
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
    const inserted = await executor
      .insertInto('websub_inbox')
      .values({
        event_id: delivery.eventId,
        topic: delivery.topic,
        state: 'received',
        body_sealed: this.box.seal(delivery.body, sealContext(delivery.eventId)),
        received_at: this.clock(),
        processed_at: null
      })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .returning('event_id')
      .executeTakeFirst()
    return { created: inserted !== undefined }
  }

  async get(eventId: string): Promise<WebsubInboxEntry | undefined> {
    return this.db
      .selectFrom('websub_inbox')
      .selectAll()
      .where('event_id', '=', eventId)
      .executeTakeFirst()
  }

  async readBody(eventId: string): Promise<string | undefined> {
    const row = await this.get(eventId)
    return row?.body_sealed ? this.box.open(row.body_sealed, sealContext(eventId)) : undefined
  }

  /** Marks a delivery handled and erases its body (it carried an encrypted credential). */
  async markProcessed(executor: Kysely<Database>, eventId: string, state: string): Promise<void> {
    await executor
      .updateTable('websub_inbox')
      .set({ state, body_sealed: null, processed_at: this.clock() })
      .where('event_id', '=', eventId)
      .execute()
  }
}
