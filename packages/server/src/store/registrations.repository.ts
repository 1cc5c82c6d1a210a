import { sql, type Kysely } from 'kysely'
import { hasDataModifyingCte } from './database.js'
import {
  canTransition,
  isRegistrationState,
  type RegistrationState
} from '../core/registration-state.js'
import type {
  Database,
  Registration,
  RegistrationHistoryEntry,
  RegistrationUpdate
} from './schema.js'
import type { SecretBox } from './secret-box.js'
import { HotQueries, type PlaceholderOf } from './hot-queries.js'

interface NewRegistrationInput {
  id: string
  kind: Registration['kind']
  opencrvsEventId?: string | null
  opencrvsActionId?: string | null
  trackingId?: string | null
  registrationNumber?: string | null
  idempotencyKey: string
  /** OpenCRVS token to keep (sealed) until the registration is confirmed or rejected. */
  token?: string
  tokenExpiresAt?: number | null
  /** Request payload to keep (sealed) until the packet is built. */
  payload?: unknown
}

class RegistrationStateError extends Error {
  readonly code = 'INVALID_STATE_TRANSITION'
}

class RegistrationNotFoundError extends Error {
  readonly code = 'REGISTRATION_NOT_FOUND'
}

/**
 * `changes` for a transition that also erases every secret of the registration (token, packet
 * input, national id): one statement where `wipeSecrets` would add a second.
 */
export const WIPE_ALL_SECRETS = {
  token_sealed: null,
  payload_sealed: null,
  national_id_sealed: null
} as const satisfies RegistrationUpdate

/** What a sealed column of a registration is bound to (see SecretBox): its column and row. */
export const sealContext = (column: 'token' | 'payload' | 'national_id', id: string) =>
  `registrations.${column}:${id}`

/** A registration's state changes, oldest first. */
export async function historyOf(
  executor: Kysely<Database>,
  id: string
): Promise<RegistrationHistoryEntry[]> {
  const rows = await executor
    .selectFrom('registration_history')
    .selectAll()
    .where('registration_id', '=', id)
    .orderBy('id')
    .execute()
  return rows.map((row) => ({ ...row, id: Number(row.id) }))
}

/** Registrations and their history. Secret columns are sealed with the store's SecretBox. */
export class RegistrationsRepository {
  /** The state change and its history entry in one statement (see `hasDataModifyingCte`). */
  private readonly oneStatementTransitions: boolean
  private readonly hot = new HotQueries()

  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly clock: () => number = Date.now
  ) {
    this.oneStatementTransitions = hasDataModifyingCte(db)
  }

  /**
   * Inserts a registration in state `received`, or finds the one with the same idempotency
   * key. Returns `created: false` for a repeat, with the existing row.
   */
  async createOrFind(
    executor: Kysely<Database>,
    input: NewRegistrationInput
  ): Promise<{ registration: Registration; created: boolean }> {
    const now = this.clock()
    const row = {
      id: input.id,
      kind: input.kind,
      opencrvs_event_id: input.opencrvsEventId ?? null,
      opencrvs_action_id: input.opencrvsActionId ?? null,
      tracking_id: input.trackingId ?? null,
      registration_number: input.registrationNumber ?? null,
      state: 'received',
      attempts: 0,
      last_error: null,
      idempotency_key: input.idempotencyKey,
      token_sealed:
        input.token === undefined
          ? null
          : this.box.seal(input.token, sealContext('token', input.id)),
      token_expires_at: input.tokenExpiresAt ?? null,
      payload_sealed:
        input.payload === undefined
          ? null
          : this.box.seal(JSON.stringify(input.payload), sealContext('payload', input.id)),
      created_at: now,
      updated_at: now
    }
    const rowValues = (value: PlaceholderOf) =>
      Object.fromEntries(Object.keys(row).map((column) => [column, value(column)])) as typeof row
    if (this.oneStatementTransitions) {
      const inserted = await this.hot.first(executor, 'create', { ...row, at: now }, (value) =>
        executor
          .with('created', (db) =>
            db
              .insertInto('registrations')
              .values(rowValues(value))
              .onConflict((oc) => oc.column('idempotency_key').doNothing())
              .returningAll()
          )
          .with('noted', (db) =>
            db
              .insertInto('registration_history')
              .columns(['registration_id', 'to_state', 'at'])
              .expression((eb) =>
                eb
                  .selectFrom('created')
                  .select([
                    'created.id',
                    'created.state',
                    sql<number>`cast(${value('at')} as bigint)`.as('at')
                  ])
              )
          )
          .selectFrom('created')
          .selectAll()
      )
      if (inserted) return { registration: inserted, created: true }
    } else {
      const inserted = await this.hot.first(executor, 'create', row, (value) =>
        executor
          .insertInto('registrations')
          .values(rowValues(value))
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .returningAll()
      )
      if (inserted) {
        await this.insertHistory(executor, {
          registration_id: input.id,
          from_state: null,
          to_state: 'received',
          reason: null,
          at: now
        })
        return { registration: inserted, created: true }
      }
    }
    const existing = await this.hot.first(
      executor,
      'by-idempotency-key',
      { key: input.idempotencyKey },
      (value) =>
        executor.selectFrom('registrations').selectAll().where('idempotency_key', '=', value('key'))
    )
    if (!existing) throw new RegistrationNotFoundError('registration vanished while being created')
    return { registration: existing, created: false }
  }

  async get(id: string, executor: Kysely<Database> = this.db): Promise<Registration | undefined> {
    return this.hot.first(executor, 'get', { id }, (value) =>
      executor.selectFrom('registrations').selectAll().where('id', '=', value('id'))
    )
  }

  private async insertHistory(
    executor: Kysely<Database>,
    entry: Omit<RegistrationHistoryEntry, 'id'>
  ): Promise<void> {
    await this.hot.run(executor, 'history', entry, (value) =>
      executor.insertInto('registration_history').values({
        registration_id: value<string>('registration_id'),
        from_state: value<string | null>('from_state'),
        to_state: value<string>('to_state'),
        reason: value<string | null>('reason'),
        at: value<number>('at')
      })
    )
  }

  /**
   * Moves a registration to `to`, recording the change in its history. Refuses transitions the
   * state machine does not allow, and (with `from`) changes made concurrently by someone else.
   */
  async transition(
    executor: Kysely<Database>,
    id: string,
    to: RegistrationState,
    options: {
      from?: RegistrationState | readonly RegistrationState[]
      reason?: string
      lastError?: string | null
      /** Other columns to change in the same statement. */
      changes?: RegistrationUpdate
      /** The row as the caller last read it (saves a read; the update still checks its state). */
      current?: Registration
    } = {}
  ): Promise<Registration> {
    // The new state and its history entry are written together, whoever calls: outside a
    // transaction a reader (or a crash) could otherwise find the state without its reason.
    // (Where one statement writes both, it needs no transaction of its own: a concurrent change
    // still makes its update find no row.)
    if (!executor.isTransaction && !this.oneStatementTransitions) {
      return executor.transaction().execute((trx) => this.transition(trx, id, to, options))
    }
    const current = options.current ?? (await this.get(id, executor))
    if (!current) throw new RegistrationNotFoundError(`registration ${id} does not exist`)
    if (!isRegistrationState(current.state)) {
      throw new RegistrationStateError(`registration ${id} has unknown state ${current.state}`)
    }
    const expected = options.from === undefined ? undefined : [options.from].flat()
    if (expected && !expected.includes(current.state)) {
      throw new RegistrationStateError(
        `registration ${id} is ${current.state}, expected ${expected.join(' or ')}`
      )
    }
    if (!canTransition(current.state, to)) {
      throw new RegistrationStateError(
        `registration ${id} cannot go from ${current.state} to ${to}`
      )
    }
    const now = this.clock()
    const changes = {
      ...options.changes,
      state: to,
      updated_at: now,
      ...(options.lastError !== undefined ? { last_error: options.lastError } : {})
    }
    // The statement's shape depends only on which columns change; their values are parameters.
    const columns = Object.keys(changes) as Array<keyof typeof changes>
    const values: Record<string, unknown> = {
      id,
      from: current.state,
      to,
      reason: options.reason ?? null,
      at: now
    }
    for (const column of columns) values[`set:${column}`] = changes[column]
    const set = (value: PlaceholderOf) =>
      Object.fromEntries(
        columns.map((column) => [column, value(`set:${column}`)])
      ) as RegistrationUpdate
    const shape = columns.join(',')
    if (this.oneStatementTransitions) {
      const updated = await this.hot.first(executor, `transition:${shape}`, values, (value) =>
        executor
          .with('moved', (db) =>
            db
              .updateTable('registrations')
              .set(set(value))
              .where('id', '=', value('id'))
              .where('state', '=', value('from'))
              .returningAll()
          )
          .with('noted', (db) =>
            db
              .insertInto('registration_history')
              .columns(['registration_id', 'from_state', 'to_state', 'reason', 'at'])
              .expression((eb) =>
                eb
                  .selectFrom('moved')
                  .select([
                    'moved.id',
                    sql<string>`cast(${value('from')} as text)`.as('from_state'),
                    sql<string>`cast(${value('to')} as text)`.as('to_state'),
                    sql<string | null>`cast(${value('reason')} as text)`.as('reason'),
                    sql<number>`cast(${value('at')} as bigint)`.as('at')
                  ])
              )
          )
          .selectFrom('moved')
          .selectAll()
      )
      if (!updated) {
        throw new RegistrationStateError(`registration ${id} changed state concurrently`)
      }
      return updated
    }
    const updated = await this.hot.first(executor, `transition:${shape}`, values, (value) =>
      executor
        .updateTable('registrations')
        .set(set(value))
        .where('id', '=', value('id'))
        .where('state', '=', value('from'))
        .returningAll()
    )
    if (!updated) {
      throw new RegistrationStateError(`registration ${id} changed state concurrently`)
    }
    await this.insertHistory(executor, {
      registration_id: id,
      from_state: current.state,
      to_state: to,
      reason: options.reason ?? null,
      at: now
    })
    return updated
  }

  /**
   * Records something that happened to a registration without changing its state: a history
   * entry from and to its current state with `reason`, and `changes` to other columns, together.
   * With `whileNationalIdKept`, only while its national id is still kept (the update re-checks
   * it under the row lock, so of two concurrent notes one wins). Returns whether it was recorded.
   */
  async note(
    executor: Kysely<Database>,
    id: string,
    reason: string,
    options: {
      lastError?: string | null
      changes?: RegistrationUpdate
      whileNationalIdKept?: boolean
    } = {}
  ): Promise<boolean> {
    if (!executor.isTransaction) {
      return executor.transaction().execute((trx) => this.note(trx, id, reason, options))
    }
    const now = this.clock()
    let update = executor
      .updateTable('registrations')
      .set({
        ...options.changes,
        updated_at: now,
        ...(options.lastError !== undefined ? { last_error: options.lastError } : {})
      })
      .where('id', '=', id)
    if (options.whileNationalIdKept) update = update.where('national_id_sealed', 'is not', null)
    const updated = await update.returning('state').executeTakeFirst()
    if (!updated) return false
    await this.insertHistory(executor, {
      registration_id: id,
      from_state: updated.state,
      to_state: updated.state,
      reason,
      at: now
    })
    return true
  }

  /** The registration a MOSIP registration id belongs to: its own id, or one it took later. */
  async findByMosipId(
    mosipId: string,
    executor: Kysely<Database> = this.db
  ): Promise<Registration | undefined> {
    const own = await this.get(mosipId, executor)
    if (own) return own
    return executor
      .selectFrom('registrations')
      .selectAll()
      .where(
        'id',
        '=',
        executor
          .selectFrom('registration_mosip_ids')
          .select('registration_id')
          .where('mosip_id', '=', mosipId)
      )
      .executeTakeFirst()
  }

  history(id: string): Promise<RegistrationHistoryEntry[]> {
    return historyOf(this.db, id)
  }

  /** The sealed token of a row already read, opened. */
  tokenOf(row: Registration): string | undefined {
    return row.token_sealed
      ? this.box.open(row.token_sealed, sealContext('token', row.id))
      : undefined
  }

  payloadOf<T = unknown>(row: Registration): T | undefined {
    return row.payload_sealed
      ? (JSON.parse(this.box.open(row.payload_sealed, sealContext('payload', row.id))) as T)
      : undefined
  }

  nationalIdOf(row: Registration): string | undefined {
    return row.national_id_sealed
      ? this.box.open(row.national_id_sealed, sealContext('national_id', row.id))
      : undefined
  }

  async readToken(id: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('registrations')
      .select('token_sealed')
      .where('id', '=', id)
      .executeTakeFirst()
    return row?.token_sealed ? this.box.open(row.token_sealed, sealContext('token', id)) : undefined
  }

  async readPayload<T = unknown>(id: string): Promise<T | undefined> {
    const row = await this.db
      .selectFrom('registrations')
      .select('payload_sealed')
      .where('id', '=', id)
      .executeTakeFirst()
    return row?.payload_sealed
      ? (JSON.parse(this.box.open(row.payload_sealed, sealContext('payload', id))) as T)
      : undefined
  }

  /** Sealed form of a national id for `changes: { national_id_sealed }`. */
  sealNationalId(id: string, nationalId: string): string {
    return this.box.seal(nationalId, sealContext('national_id', id))
  }

  async readNationalId(id: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('registrations')
      .select('national_id_sealed')
      .where('id', '=', id)
      .executeTakeFirst()
    return row?.national_id_sealed
      ? this.box.open(row.national_id_sealed, sealContext('national_id', id))
      : undefined
  }

  /** Counts an attempt at the registration's current step and remembers its error. */
  async noteAttempt(id: string, lastError: string | null): Promise<void> {
    await this.db
      .updateTable('registrations')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: lastError,
        updated_at: this.clock()
      }))
      .where('id', '=', id)
      .execute()
  }

  async list(
    filter: { state?: string; limit?: number; before?: string } = {}
  ): Promise<Registration[]> {
    let query = this.db.selectFrom('registrations').selectAll()
    if (filter.state) query = query.where('state', '=', filter.state)
    if (filter.before) query = query.where('id', '<', filter.before)
    return query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .execute()
  }

  /** Erases secrets that are no longer needed. */
  async wipeSecrets(
    executor: Kysely<Database>,
    id: string,
    which: { token?: boolean; payload?: boolean; nationalId?: boolean }
  ): Promise<void> {
    if (!which.token && !which.payload && !which.nationalId) return
    await executor
      .updateTable('registrations')
      .set({
        ...(which.token ? { token_sealed: null } : {}),
        ...(which.payload ? { payload_sealed: null } : {}),
        ...(which.nationalId ? { national_id_sealed: null } : {}),
        updated_at: this.clock()
      })
      .where('id', '=', id)
      .execute()
  }

  /**
   * Deletes a registration and its history; returns what identified it in OpenCRVS, or
   * undefined when it did not exist.
   */
  async remove(
    executor: Kysely<Database>,
    id: string
  ): Promise<Pick<Registration, 'opencrvs_event_id' | 'registration_number'> | undefined> {
    return executor
      .deleteFrom('registrations')
      .where('id', '=', id)
      .returning(['opencrvs_event_id', 'registration_number'])
      .executeTakeFirst()
  }
}
