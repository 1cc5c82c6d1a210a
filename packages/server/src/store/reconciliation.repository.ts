import type { Executor, Store } from './database.js'
import type { Registration } from './schema.js'

/** What a reconciliation pass takes: due registrations, or (a manual pass) all old enough. */
export interface ReconcileSelection {
  /** Only registrations whose packet reached MOSIP at or before this time. */
  submittedBefore?: number
  /** Only registrations whose next check is due at this time (the scheduled passes). */
  dueAt?: number
  /** Only registrations not asked about since this time (a manual pass asks each once). */
  checkedBefore?: number
  limit: number
}

/** MOSIP's answer recorded on a registration, and when to ask again. */
export interface MosipCheck {
  status: string
  checkedAt: number
  unchangedChecks: number
  nextCheckAt: number
}

/**
 * The store side of reconciliation with MOSIP: which `submitted` registrations to check, their
 * claims (a claim moves the next check past the lease, so another instance skips them and a
 * crashed check comes round again once the lease is over), MOSIP's answers, and every MOSIP
 * registration id a registration has used.
 */
export class ReconciliationRepository {
  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now
  ) {}

  /**
   * Claims up to `limit` registrations for a check until `leaseUntil`, oldest check first.
   *
   * On PostgreSQL concurrent claimers skip each other's rows (FOR UPDATE SKIP LOCKED). The rows
   * are chosen in a CTE, which PostgreSQL runs once: as `id IN (subquery … LIMIT)` the planner
   * may rescan the subquery for each row it updates, and each rescan passes over the rows the
   * statement has already updated and takes the next ones, so one claim took every submitted
   * registration whatever the limit.
   *
   * On SQLite the single UPDATE … RETURNING runs under the database's one write lock, so the rows
   * the subquery chose are still `submitted` and the state is not tested again: with that test
   * SQLite walks every submitted registration through the state index instead of looking the
   * chosen ids up (≈ 40 ms a claim with 10,000 submitted, against ≈ 1 ms).
   */
  async claim(selection: ReconcileSelection, leaseUntil: number): Promise<Registration[]> {
    if (selection.limit <= 0) return []
    const rows = this.store.capabilities.skipLocked
      ? await this.store.db
          .with('due', () => this.select(selection).select('id').forUpdate().skipLocked())
          .updateTable('registrations')
          .set({ reconcile_at: leaseUntil })
          .from('due')
          .whereRef('registrations.id', '=', 'due.id')
          .where('registrations.state', '=', 'submitted')
          .returningAll('registrations')
          .execute()
      : await this.store.db
          .updateTable('registrations')
          .set({ reconcile_at: leaseUntil })
          .where('id', 'in', () => this.select(selection).select('id'))
          .returningAll()
          .execute()
    return rows.sort((a, b) => (a.submitted_at ?? 0) - (b.submitted_at ?? 0))
  }

  /** The registrations a pass would claim, without claiming them (a dry run). */
  async peek(selection: ReconcileSelection): Promise<Registration[]> {
    return this.select(selection).selectAll().execute()
  }

  /** How many registrations a selection holds (for a progress bar). */
  async count(selection: Omit<ReconcileSelection, 'limit'>): Promise<number> {
    const row = await this.select({ ...selection, limit: 1 })
      .clearOrderBy()
      .clearLimit()
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  private select(selection: ReconcileSelection, executor: Executor = this.store.db) {
    let q = executor.selectFrom('registrations').where('state', '=', 'submitted')
    if (selection.dueAt !== undefined) q = q.where('reconcile_at', '<=', selection.dueAt)
    if (selection.checkedBefore !== undefined) {
      const before = selection.checkedBefore
      q = q.where((eb) =>
        eb.or([eb('mosip_checked_at', 'is', null), eb('mosip_checked_at', '<', before)])
      )
    }
    if (selection.submittedBefore !== undefined) {
      q = q.where('submitted_at', '<=', selection.submittedBefore)
    }
    return q.orderBy('reconcile_at').orderBy('id').limit(selection.limit)
  }

  /**
   * Makes a registration still waiting on MOSIP (`submitted`) due for its next check at `at`
   * (an operator's "check with MOSIP now"); false when it is not waiting on MOSIP.
   */
  async dueAt(executor: Executor, id: string, at: number): Promise<boolean> {
    const result = await executor
      .updateTable('registrations')
      .set({ reconcile_at: at })
      .where('id', '=', id)
      .where('state', '=', 'submitted')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /**
   * Whether a claimed registration is still the submission MOSIP was asked about — `submitted`,
   * with the same resubmissions and time of submission — and, on PostgreSQL, locks it for the
   * rest of `executor`'s transaction, so that MOSIP's answer is applied to that submission only.
   */
  async lockIfUnchanged(executor: Executor, claimed: Registration): Promise<boolean> {
    let q = executor
      .selectFrom('registrations')
      .select('id')
      .where('id', '=', claimed.id)
      .where('state', '=', 'submitted')
      .where('resubmissions', '=', claimed.resubmissions)
      .where('submitted_at', claimed.submitted_at === null ? 'is' : '=', claimed.submitted_at)
    if (this.store.capabilities.skipLocked) q = q.forUpdate()
    return (await q.executeTakeFirst()) !== undefined
  }

  /**
   * Records MOSIP's answer on a registration still `submitted` as the submission MOSIP was asked
   * about (`asked`: same resubmissions and submission time); false when it has moved on.
   */
  async recordCheck(
    executor: Executor,
    asked: Pick<Registration, 'id' | 'resubmissions' | 'submitted_at'>,
    check: MosipCheck
  ): Promise<boolean> {
    const result = await executor
      .updateTable('registrations')
      .set({
        mosip_status: check.status,
        mosip_checked_at: check.checkedAt,
        mosip_unchanged_checks: check.unchangedChecks,
        reconcile_at: check.nextCheckAt
      })
      .where('id', '=', asked.id)
      .where('state', '=', 'submitted')
      .where('resubmissions', '=', asked.resubmissions)
      .where('submitted_at', asked.submitted_at === null ? 'is' : '=', asked.submitted_at)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /**
   * Moves the next check of `submitted` registrations to `at`: MOSIP could not be asked, or
   * answered with an error about the id (the time of asking is kept, MOSIP's last status too).
   */
  async postpone(executor: Executor, ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return
    await executor
      .updateTable('registrations')
      .set({ reconcile_at: at, mosip_checked_at: this.clock() })
      .where('id', 'in', [...ids])
      .where('state', '=', 'submitted')
      .execute()
  }

  /** Records MOSIP's answer without deciding on it (a pushed event about a birth). */
  async noteStatus(executor: Executor, id: string, status: string): Promise<void> {
    await executor
      .updateTable('registrations')
      .set({ mosip_status: status, mosip_checked_at: this.clock() })
      .where('id', '=', id)
      .execute()
  }

  /** Keeps a new MOSIP registration id of a registration (a resubmission under a new id). */
  async addMosipId(
    executor: Executor,
    entry: { registrationId: string; mosipId: string; cause: string }
  ): Promise<void> {
    await executor
      .insertInto('registration_mosip_ids')
      .values({
        mosip_id: entry.mosipId,
        registration_id: entry.registrationId,
        cause: entry.cause,
        created_at: this.clock()
      })
      .execute()
  }

  /** Every MOSIP registration id a registration used, its own id first. */
  async mosipIdsOf(registrationId: string): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('registration_mosip_ids')
      .select('mosip_id')
      .where('registration_id', '=', registrationId)
      .orderBy('created_at')
      .orderBy('mosip_id')
      .execute()
    return [registrationId, ...rows.map((row) => row.mosip_id)]
  }
}
