import { sql, type Kysely, type RawBuilder } from 'kysely'
import { acceptsIndexHints } from './database.js'
import {
  HOLDING_TOKEN_PREDICATE,
  SUBMITTED_PREDICATE,
  UNFINISHED_PREDICATE
} from './migrations/0010-operator-figure-indexes.js'
import { historyOf } from './registrations.repository.js'
import type { Database, Registration, RegistrationHistoryEntry } from './schema.js'

/** A registration as an operator sees it: no sealed column, only whether each is still kept. */
type RegistrationSummary = Pick<
  Registration,
  | 'id'
  | 'kind'
  | 'state'
  | 'attempts'
  | 'opencrvs_event_id'
  | 'opencrvs_action_id'
  | 'registration_number'
  | 'tracking_id'
  | 'last_error'
  | 'created_at'
  | 'updated_at'
>

/** Where a registration stands with MOSIP (reconciliation). */
type MosipProgress = Pick<
  Registration,
  | 'mosip_id'
  | 'mosip_status'
  | 'mosip_checked_at'
  | 'reconcile_at'
  | 'resubmissions'
  | 'submitted_at'
>

interface RegistrationDetail extends RegistrationSummary, MosipProgress {
  kept: { token: boolean; payload: boolean; nationalId: boolean }
  history: RegistrationHistoryEntry[]
}

interface DeliverySummary {
  event_id: string
  state: string
  note: string | null
  registration_id: string | null
  received_at: number
}

const SUMMARY_COLUMNS = [
  'id',
  'kind',
  'state',
  'attempts',
  'opencrvs_event_id',
  'opencrvs_action_id',
  'registration_number',
  'tracking_id',
  'last_error',
  'created_at',
  'updated_at'
] as const

const MOSIP_PROGRESS_COLUMNS = [
  'mosip_id',
  'mosip_status',
  'mosip_checked_at',
  'reconcile_at',
  'resubmissions',
  'submitted_at'
] as const

/**
 * Reads for operators (CLI, compatibility routes, metrics): counts and lists across
 * registrations, deliveries and jobs. Nothing here opens a sealed column, so it needs no key.
 */
export class OperatorQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The registrations table read through `index`. SQLite's planner, without statistics, prefers
   * an index on `state` alone to a partial index and then reads every row of the state; naming
   * the index makes it use it, or fail loudly if a change made the index unusable. PostgreSQL
   * chooses by its statistics.
   */
  private registrationsBy(index: string): RawBuilder<unknown> {
    return acceptsIndexHints(this.db)
      ? sql`registrations indexed by ${sql.id(index)}`
      : sql`registrations`
  }

  /** Registrations by state and kind, one row per pair that has any. */
  async countByStateAndKind(): Promise<Array<{ state: string; kind: string; count: number }>> {
    const rows = await this.db
      .selectFrom('registrations')
      .select((eb) => ['state', 'kind', eb.fn.countAll<number>().as('n')])
      .groupBy(['state', 'kind'])
      .execute()
    return rows.map((row) => ({ state: row.state, kind: row.kind, count: Number(row.n) }))
  }

  /** Registrations by state (states without any are absent). */
  async countByState(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const row of await this.countByStateAndKind()) {
      counts[row.state] = (counts[row.state] ?? 0) + row.count
    }
    return counts
  }

  /** Most recently changed registrations first. */
  recentRegistrations(
    filter: { state?: string; limit?: number } = {}
  ): Promise<RegistrationSummary[]> {
    let query = this.db
      .selectFrom('registrations')
      .select(SUMMARY_COLUMNS)
      .orderBy('updated_at', 'desc')
      .limit(filter.limit ?? 50)
    if (filter.state) query = query.where('state', '=', filter.state)
    return query.execute()
  }

  /**
   * A page of registrations for the console, most recently changed first: filtered by state,
   * kind, age (created before `createdBefore`, epoch ms) and, for those waiting for an operator,
   * the reason they were handed over for; or found by an id — the transaction id, a MOSIP id it
   * took later, its tracking id or its OpenCRVS event id (each indexed). One row more than
   * `limit` is read, so `more` says whether a next page exists.
   */
  async searchRegistrations(filter: {
    state?: string
    kind?: Registration['kind']
    reason?: string
    createdBefore?: number
    search?: string
    offset?: number
    limit: number
  }): Promise<{ rows: RegistrationSummary[]; more: boolean }> {
    let query = this.db
      .selectFrom('registrations as r')
      .select(SUMMARY_COLUMNS.map((column) => `r.${column}` as const))
      .orderBy('r.updated_at', 'desc')
      .orderBy('r.id', 'desc')
      .limit(filter.limit + 1)
      .offset(filter.offset ?? 0)
    if (filter.state) query = query.where('r.state', '=', filter.state)
    if (filter.kind) query = query.where('r.kind', '=', filter.kind)
    if (filter.createdBefore !== undefined) {
      query = query.where('r.created_at', '<', filter.createdBefore)
    }
    if (filter.reason) {
      const reason = filter.reason
      query = query
        .where('r.state', '=', 'needs_attention')
        .where((eb) =>
          eb(
            eb
              .selectFrom('registration_history as h')
              .select('h.reason')
              .whereRef('h.registration_id', '=', 'r.id')
              .where('h.to_state', '=', 'needs_attention')
              .orderBy('h.id', 'desc')
              .limit(1),
            '=',
            reason
          )
        )
    }
    if (filter.search) {
      const search = filter.search
      query = query.where((eb) =>
        eb.or([
          eb('r.id', '=', search),
          eb('r.tracking_id', '=', search),
          eb('r.opencrvs_event_id', '=', search),
          eb(
            'r.id',
            'in',
            eb
              .selectFrom('registration_mosip_ids')
              .select('registration_id')
              .where('mosip_id', '=', search)
          )
        ])
      )
    }
    const rows = await query.execute()
    return { rows: rows.slice(0, filter.limit), more: rows.length > filter.limit }
  }

  /** Why a registration waiting for an operator was handed over: its latest move there. */
  async handOverOf(
    id: string
  ): Promise<{ from_state: string | null; reason: string | null; at: number } | undefined> {
    const row = await this.db
      .selectFrom('registration_history')
      .select(['from_state', 'reason', 'at'])
      .where('registration_id', '=', id)
      .where('to_state', '=', 'needs_attention')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row ? { ...row, at: Number(row.at) } : undefined
  }

  /** Deliveries kept for an operator (their content is kept sealed), most recent first. */
  keptDeliveries(limit = 100): Promise<DeliverySummary[]> {
    return this.db
      .selectFrom('websub_inbox')
      .select(['event_id', 'state', 'note', 'registration_id', 'received_at'])
      .where('state', 'in', ['unmatched', 'undecryptable', 'invalid'])
      .where('body_sealed', 'is not', null)
      .orderBy('received_at', 'desc')
      .limit(limit)
      .execute()
  }

  /** The registrations made for one OpenCRVS event (a record may have several), oldest first. */
  registrationsOfEvent(opencrvsEventId: string): Promise<RegistrationSummary[]> {
    return this.db
      .selectFrom('registrations')
      .select(SUMMARY_COLUMNS)
      .where('opencrvs_event_id', '=', opencrvsEventId)
      .orderBy('created_at')
      .execute()
  }

  /** Registrations not yet in a final state, oldest first. */
  async unfinishedRegistrations(limit = 10_000): Promise<RegistrationSummary[]> {
    const columns = sql.join(SUMMARY_COLUMNS.map((column) => sql.ref(column)))
    const { rows } = await sql<RegistrationSummary>`
      select ${columns} from ${this.registrationsBy('registrations_unfinished_idx')}
      where ${UNFINISHED_PREDICATE} order by created_at limit ${limit}`.execute(this.db)
    return rows
  }

  /** Creation time (epoch ms) of the oldest unfinished registration, if any. */
  async oldestUnfinishedCreatedAt(): Promise<number | undefined> {
    const { rows } = await sql<{ oldest: number | string | null }>`
      select min(created_at) as oldest
      from ${this.registrationsBy('registrations_unfinished_idx')}
      where ${UNFINISHED_PREDICATE}`.execute(this.db)
    const oldest = rows[0]?.oldest
    return oldest === null || oldest === undefined ? undefined : Number(oldest)
  }

  /**
   * Registrations waiting for an operator, by the reason they were handed over for (the reason
   * of their latest move to `needs_attention`).
   */
  async countNeedingAttentionByReason(): Promise<Array<{ reason: string; count: number }>> {
    const rows = await this.db
      .selectFrom('registrations as r')
      .innerJoin('registration_history as h', 'h.registration_id', 'r.id')
      .where('r.state', '=', 'needs_attention')
      .where('h.id', '=', (eb) =>
        eb
          .selectFrom('registration_history as latest')
          .select((inner) => inner.fn.max('latest.id').as('id'))
          .whereRef('latest.registration_id', '=', 'r.id')
          .where('latest.to_state', '=', 'needs_attention')
      )
      .select((eb) => ['h.reason', eb.fn.countAll<number>().as('n')])
      .groupBy('h.reason')
      .execute()
    return rows.map((row) => ({ reason: row.reason ?? 'UNKNOWN', count: Number(row.n) }))
  }

  /**
   * Registrations stalled in MOSIP: `submitted` (waiting on MOSIP) since before `submittedBefore`
   * (epoch ms), i.e. for longer than MOSIP_STALL_ALERT_SECONDS when called with now minus it.
   */
  async countStalled(submittedBefore: number): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from ${this.registrationsBy('registrations_submitted_idx')}
      where ${SUBMITTED_PREDICATE} and submitted_at < ${submittedBefore}`.execute(this.db)
    return Number(rows[0]?.n ?? 0)
  }

  /**
   * Registrations waiting on MOSIP (`submitted`) by MOSIP's last answer about them; `null` for
   * those not asked about yet.
   */
  async countSubmittedByMosipStatus(): Promise<Array<{ status: string | null; count: number }>> {
    const { rows } = await sql<{ mosip_status: string | null; n: number | string }>`
      select mosip_status, count(*) as n
      from ${this.registrationsBy('registrations_submitted_idx')}
      where ${SUBMITTED_PREDICATE} group by mosip_status`.execute(this.db)
    return rows.map((row) => ({ status: row.mosip_status, count: Number(row.n) }))
  }

  /** Unfinished registrations holding an OpenCRVS token that expires before `at` (epoch ms). */
  async countTokensExpiringBefore(at: number): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from ${this.registrationsBy('registrations_token_expiry_idx')}
      where ${HOLDING_TOKEN_PREDICATE} and ${UNFINISHED_PREDICATE}
        and token_expires_at < ${at}`.execute(this.db)
    return Number(rows[0]?.n ?? 0)
  }

  /** One registration and its history, or undefined. */
  async registration(id: string): Promise<RegistrationDetail | undefined> {
    const row = await this.db
      .selectFrom('registrations')
      .select([
        ...SUMMARY_COLUMNS,
        ...MOSIP_PROGRESS_COLUMNS,
        'token_sealed',
        'payload_sealed',
        'national_id_sealed'
      ])
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    const { token_sealed, payload_sealed, national_id_sealed, ...summary } = row
    return {
      ...summary,
      kept: {
        token: token_sealed !== null,
        payload: payload_sealed !== null,
        nationalId: national_id_sealed !== null
      },
      history: await historyOf(this.db, id)
    }
  }

  /** Most recently received deliveries first, without their content. */
  recentDeliveries(filter: { state?: string; limit?: number } = {}): Promise<DeliverySummary[]> {
    let query = this.db
      .selectFrom('websub_inbox')
      .select(['event_id', 'state', 'note', 'registration_id', 'received_at'])
      .orderBy('received_at', 'desc')
      .limit(filter.limit ?? 50)
    if (filter.state) query = query.where('state', '=', filter.state)
    return query.execute()
  }

  /** Deliveries by state. */
  async countDeliveriesByState(): Promise<Array<{ state: string; count: number }>> {
    const rows = await this.db
      .selectFrom('websub_inbox')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute()
    return rows.map((row) => ({ state: row.state, count: Number(row.n) }))
  }

  /** Jobs not done, by task and state. */
  async countUnfinishedJobs(): Promise<Array<{ task: string; state: string; count: number }>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select((eb) => ['task', 'state', eb.fn.countAll<number>().as('n')])
      .where('state', '!=', 'done')
      .groupBy(['task', 'state'])
      .execute()
    return rows.map((row) => ({ task: row.task, state: row.state, count: Number(row.n) }))
  }
}
