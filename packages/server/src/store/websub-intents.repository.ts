import type { Store } from './database.js'
import type { WebsubIntentRow } from './schema.js'

export type WebsubIntentMode = 'subscribe' | 'unsubscribe'

/**
 * Which of the bridge's two callbacks a subscription uses: `main` (MOSIP_WEBSUB_CALLBACK_URL)
 * or `relay` (the same URL with `/relay` added), which only carries deliveries while the main
 * subscription is being moved to a new secret.
 */
export type WebsubCallback = 'main' | 'relay'

/** A subscription change an operator asked the hub for, and what became of it. */
export interface WebsubIntent {
  id: number
  mode: WebsubIntentMode
  topic: string
  callback: WebsubCallback
  requestedBy: string
  requestedAt: number
  expiresAt: number
  confirmedAt: number | null
  deniedAt: number | null
  denialReason: string | null
}

/** Longest hub reason kept: the hub's text is shown to operators, never trusted to be short. */
const MAX_REASON_LENGTH = 200

/**
 * The subscription changes operators asked the MOSIP WebSub hub for (`mosip-bridge websub …`).
 *
 * The CLI records an intent before it sends the request; the hub then verifies it by calling the
 * callback of whichever bridge instance it reaches, and that instance confirms the verification
 * only when `confirm` finds a matching pending intent. Each intent confirms one verification,
 * and only until it expires or is withdrawn, so an unsubscription nobody here asked for is
 * refused. Times are the caller's clock: intents live minutes, far beyond any clock skew.
 */
export class WebsubIntentsRepository {
  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now
  ) {}

  /** Records an intent, pending for `ttlMs` from now. */
  async request(intent: {
    mode: WebsubIntentMode
    topic: string
    /** Default `main`. */
    callback?: WebsubCallback
    requestedBy: string
    ttlMs: number
  }): Promise<WebsubIntent> {
    const now = this.clock()
    const row = await this.store.db
      .insertInto('websub_intents')
      .values({
        mode: intent.mode,
        topic: intent.topic,
        callback: intent.callback ?? 'main',
        requested_by: intent.requestedBy,
        requested_at: now,
        expires_at: now + Math.max(0, intent.ttlMs),
        confirmed_at: null,
        denied_at: null,
        denial_reason: null
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return fromRow(row)
  }

  async get(id: number): Promise<WebsubIntent | undefined> {
    const row = await this.store.db
      .selectFrom('websub_intents')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row === undefined ? undefined : fromRow(row)
  }

  /**
   * Confirms the oldest pending intent of `mode` on `topic` for `callback` and returns it, or
   * undefined when none is pending. Two instances answering the same verification confirm it once: the
   * conditions are checked again on the row being updated (PostgreSQL re-reads a row another
   * transaction changed; SQLite has one writer at a time).
   */
  async confirm(
    mode: WebsubIntentMode,
    topic: string,
    callback: WebsubCallback = 'main'
  ): Promise<WebsubIntent | undefined> {
    const now = this.clock()
    const row = await this.store.db
      .updateTable('websub_intents')
      .set({ confirmed_at: now })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('websub_intents')
          .select('id')
          .where('mode', '=', mode)
          .where('topic', '=', topic)
          .where('callback', '=', callback)
          .where('expires_at', '>', now)
          .where('confirmed_at', 'is', null)
          .where('denied_at', 'is', null)
          .orderBy('id')
          .limit(1)
      )
      .where('expires_at', '>', now)
      .where('confirmed_at', 'is', null)
      .where('denied_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : fromRow(row)
  }

  /**
   * Records the hub's denial on the intents pending on `topic` for `callback` (a denial names
   * the topic, not the mode) and returns how many there were.
   */
  async deny(topic: string, reason: string, callback: WebsubCallback = 'main'): Promise<number> {
    const now = this.clock()
    const result = await this.store.db
      .updateTable('websub_intents')
      .set({
        denied_at: now,
        denial_reason:
          reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason
      })
      .where('topic', '=', topic)
      .where('callback', '=', callback)
      .where('expires_at', '>', now)
      .where('confirmed_at', 'is', null)
      .where('denied_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /**
   * Ends a pending intent now, so a verification arriving later is refused, and returns the
   * intent as it stands: one confirmed or denied meanwhile keeps that outcome.
   */
  async withdraw(id: number): Promise<WebsubIntent | undefined> {
    const now = this.clock()
    await this.store.db
      .updateTable('websub_intents')
      .set({ expires_at: now })
      .where('id', '=', id)
      .where('expires_at', '>', now)
      .where('confirmed_at', 'is', null)
      .where('denied_at', 'is', null)
      .execute()
    return this.get(id)
  }
}

function fromRow(row: WebsubIntentRow): WebsubIntent {
  const time = (value: number | null) => (value === null ? null : Number(value))
  return {
    id: Number(row.id),
    mode: row.mode,
    topic: row.topic,
    callback: row.callback,
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
    expiresAt: Number(row.expires_at),
    confirmedAt: time(row.confirmed_at),
    deniedAt: time(row.denied_at),
    denialReason: row.denial_reason
  }
}
