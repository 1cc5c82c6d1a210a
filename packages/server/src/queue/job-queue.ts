import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { sql, type ExpressionBuilder, type RawBuilder, type UpdateObject } from 'kysely'
import { databaseNowMs, whenTransactionEnds, type Executor, type Store } from '../store/database.js'
import type { Database, Job, JobState } from '../store/schema.js'
import { backoffDelay, type BackoffPolicy } from '../core/retry-policy.js'
import { decideAfterFailure, describeError } from '../core/job-failure.js'
import { HotQueries } from '../store/hot-queries.js'

export interface EnqueueOptions {
  /** Makes enqueueing idempotent: a second job with the same key is not created. */
  jobKey?: string
  /** Earliest time to run (epoch ms); defaults to now. */
  runAt?: number
  maxAttempts?: number
}

interface EnqueueResult {
  id: number
  /** False when a job with the same key already existed. */
  created: boolean
}

/** A job held by one claimer; `lease` identifies this claim (a re-claim gets a new one). */
export interface ClaimedJob extends Job {
  lease: string
}

interface JobQueueOptions {
  maxAttempts: number
  backoff: BackoffPolicy
  clock?: () => number
  random?: () => number
}

type FailOutcome = 'retry' | 'snoozed' | 'dead' | 'lost'

/**
 * A runner of this process that can take a job at the moment it is enqueued, so that the job
 * needs no claim (see `JobQueue.enqueue`).
 */
export interface LocalTaker {
  /** Whether it runs jobs of `task`. */
  accepts(task: string): boolean
  /** Reserves one of its free slots, with the lease the job will hold; undefined when none. */
  reserve(): { lease: string; leaseMs: number } | undefined
  /** Runs a job inserted under a reserved slot (its insert has committed). */
  take(job: ClaimedJob): void
  /** Frees a reserved slot: the job was not inserted, or its transaction rolled back. */
  cancel(): void
}

/**
 * A map from task name to payload type (as graphile-worker's `Tasks` interface): `enqueue` then
 * accepts only known names, each with its own payload. This default accepts any name with any
 * payload.
 */
export type AnyTasks = Record<string, unknown>

/** Names of a task map (its string keys). */
export type TaskName<Tasks> = keyof Tasks & string

/** Jobs to discard: these exact keys, and keys starting with one of the prefixes. */
export interface JobKeyMatch {
  keys: readonly string[]
  prefixes: readonly string[]
}

/**
 * Durable jobs kept in the bridge's own database, so that a state change and the work that
 * follows it commit together. Claims take leases: a claimed job is `running` until its
 * `locked_until`; a runner that dies loses its lease and the job becomes claimable again.
 * Lease times come from the database's clock when the store has one (`databaseClock`), so an
 * instance whose clock runs ahead cannot take the live leases of others for expired.
 */
const LEASE_EXPIRED_ERROR = 'LEASE_EXPIRED: the runner holding the last attempt stopped responding'

export class JobQueue<Tasks extends object = AnyTasks> {
  private readonly events = new EventEmitter()
  private readonly clock: () => number
  private readonly random: () => number
  private readonly hot = new HotQueries()
  private readonly takers = new Set<LocalTaker>()

  constructor(
    private readonly store: Store,
    private readonly options: JobQueueOptions
  ) {
    this.clock = options.clock ?? Date.now
    this.random = options.random ?? Math.random
    this.events.setMaxListeners(0)
  }

  /**
   * A lease time `offsetMs` from now: on the database's clock when the store declares one,
   * otherwise on this process's clock.
   */
  private leaseTime(offsetMs = 0): RawBuilder<number> | number {
    if (!this.store.capabilities.databaseClock) return this.clock() + offsetMs
    return offsetMs === 0 ? databaseNowMs : sql<number>`${databaseNowMs} + ${offsetMs}`
  }

  /** Lets a runner of this process take jobs as they are enqueued; returns the undo. */
  attachTaker(taker: LocalTaker): () => void {
    this.takers.add(taker)
    return () => this.takers.delete(taker)
  }

  /**
   * A local runner's reserved slot for a job of `task` enqueued through `executor`: only for a
   * job due now, written either outside a transaction or in one of `Store.transaction` (whose
   * end is known, see `whenTransactionEnds`). `handOver` is then called with the inserted job,
   * or with undefined when none was inserted; the job goes to the runner once it is committed.
   */
  private reserveTaker(
    executor: Executor,
    task: string,
    due: boolean
  ):
    | { lease: string; leaseMs: number; handOver: (job: ClaimedJob | undefined) => void }
    | undefined {
    if (!due) return undefined
    for (const taker of this.takers) {
      if (!taker.accepts(task)) continue
      const slot = taker.reserve()
      if (!slot) continue
      if (!executor.isTransaction) {
        return { ...slot, handOver: (job) => (job ? taker.take(job) : taker.cancel()) }
      }
      let inserted: ClaimedJob | undefined
      const known = whenTransactionEnds(executor, (committed) => {
        if (committed && inserted) taker.take(inserted)
        else taker.cancel()
      })
      if (!known) {
        taker.cancel()
        return undefined
      }
      return {
        ...slot,
        handOver: (job) => {
          inserted = job
        }
      }
    }
    return undefined
  }

  /**
   * Adds a job using `executor`, which may be a transaction: the job then exists only if that
   * transaction commits. Call `notify()` after committing to wake local runners at once
   * (they also poll). A job due now goes straight to a runner of this process with a free slot,
   * inserted already held under its lease, so it needs no claim.
   */
  async enqueue<Task extends TaskName<Tasks>>(
    executor: Executor,
    task: Task,
    payload: Tasks[Task],
    options: EnqueueOptions = {}
  ): Promise<EnqueueResult> {
    const now = this.clock()
    const runAt = options.runAt ?? now
    const taker = this.reserveTaker(executor, task, runAt <= now)
    if (taker) {
      let job: ClaimedJob | undefined
      try {
        job = await this.insertHeld(executor, task, payload, options, now, taker)
      } finally {
        taker.handOver(job)
      }
      if (job) return { id: job.id, created: true }
      return { id: await this.idOfKey(executor, options.jobKey), created: false }
    }
    const inserted = await this.hot.first(
      executor,
      'enqueue',
      {
        task,
        payload: JSON.stringify(payload ?? null),
        job_key: options.jobKey ?? null,
        max_attempts: options.maxAttempts ?? this.options.maxAttempts,
        run_at: options.runAt ?? now,
        now
      },
      (value) =>
        executor
          .insertInto('jobs')
          .values({
            task: value('task'),
            payload: value('payload'),
            job_key: value('job_key'),
            state: 'queued',
            attempts: 0,
            max_attempts: value('max_attempts'),
            run_at: value('run_at'),
            created_at: value('now'),
            updated_at: value('now')
          })
          .onConflict((oc) => oc.column('job_key').doNothing())
          .returning('id')
    )
    if (!executor.isTransaction) this.notify()
    if (inserted) return { id: Number(inserted.id), created: true }
    return { id: await this.idOfKey(executor, options.jobKey), created: false }
  }

  private async idOfKey(executor: Executor, jobKey: string | undefined): Promise<number> {
    const existing = await executor
      .selectFrom('jobs')
      .select('id')
      .where('job_key', '=', jobKey ?? '')
      .executeTakeFirstOrThrow()
    return Number(existing.id)
  }

  /** Inserts a job already running under `slot.lease` (its first attempt); undefined on a key conflict. */
  private async insertHeld(
    executor: Executor,
    task: string,
    payload: unknown,
    options: EnqueueOptions,
    now: number,
    slot: { lease: string; leaseMs: number }
  ): Promise<ClaimedJob | undefined> {
    const databaseClock = this.store.capabilities.databaseClock
    const row = await this.hot.first(
      executor,
      'enqueue-held',
      {
        task,
        payload: JSON.stringify(payload ?? null),
        job_key: options.jobKey ?? null,
        max_attempts: options.maxAttempts ?? this.options.maxAttempts,
        lease: slot.lease,
        lockedUntil: databaseClock ? slot.leaseMs : now + slot.leaseMs,
        now
      },
      (value) =>
        executor
          .insertInto('jobs')
          .values({
            task: value('task'),
            payload: value('payload'),
            job_key: value('job_key'),
            state: 'running',
            attempts: 1,
            max_attempts: value('max_attempts'),
            run_at: value('now'),
            locked_by: value('lease'),
            // On the database's clock, the parameter is the lease's length (see leaseTime).
            locked_until: databaseClock
              ? sql<number>`${databaseNowMs} + ${value<number>('lockedUntil')}`
              : value<number>('lockedUntil'),
            created_at: value('now'),
            updated_at: value('now')
          })
          .onConflict((oc) => oc.column('job_key').doNothing())
          .returningAll()
    )
    return row && { ...row, id: Number(row.id), lease: slot.lease }
  }

  /**
   * Brings the waiting (queued) job with `jobKey` forward to run now, using `executor` (which
   * may be a transaction); false when no job with that key waits. Call `notify()` after
   * committing.
   */
  async runNow(executor: Executor, jobKey: string): Promise<boolean> {
    const now = this.clock()
    const result = await executor
      .updateTable('jobs')
      .set({ run_at: now, updated_at: now })
      .where('job_key', '=', jobKey)
      .where('state', '=', 'queued')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Wakes runners waiting in this process. */
  notify(): void {
    this.events.emit('enqueued')
  }

  onEnqueued(listener: () => void): () => void {
    this.events.on('enqueued', listener)
    return () => this.events.off('enqueued', listener)
  }

  /**
   * Claims up to `limit` due jobs for `leaseMs`. On PostgreSQL concurrent claimers skip each
   * other's rows (FOR UPDATE SKIP LOCKED); on SQLite the single UPDATE … RETURNING runs under
   * the database's one write lock, so two claimers can never take the same row.
   */
  async claim(workerId: string, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
    if (limit <= 0) return []
    const now = this.clock()
    const lease = `${workerId}/${randomUUID()}`
    const db = this.store.db
    const lockedUntil = this.store.capabilities.databaseClock ? leaseMs : this.clock() + leaseMs
    const rows = await this.hot.rows(db, 'claim', { lease, lockedUntil, now, limit }, (value) =>
      db
        .updateTable('jobs')
        .set((eb) => ({
          state: 'running' as JobState,
          attempts: eb('attempts', '+', 1),
          locked_by: value('lease'),
          // On the database's clock, the parameter is the lease's length (see leaseTime).
          locked_until: this.store.capabilities.databaseClock
            ? sql<number>`${databaseNowMs} + ${value<number>('lockedUntil')}`
            : value<number>('lockedUntil'),
          updated_at: value('now')
        }))
        .where('id', 'in', (eb) => {
          let due = eb
            .selectFrom('jobs')
            .select('id')
            .where('state', '=', 'queued')
            .where('run_at', '<=', value('now'))
            .orderBy('run_at')
            .orderBy('id')
            .limit(value('limit'))
          if (this.store.capabilities.skipLocked) due = due.forUpdate().skipLocked()
          return due
        })
        .returningAll()
    )
    return rows
      .map((row) => ({ ...row, id: Number(row.id), lease }))
      .sort((a, b) => a.run_at - b.run_at || a.id - b.id)
  }

  /**
   * Applies `changes` to a job only while `job.lease` still holds it; false when the lease was
   * lost (expired and possibly claimed by someone else), in which case nothing is written.
   */
  private async updateHeld(
    job: ClaimedJob,
    changes:
      | UpdateObject<Database, 'jobs'>
      | ((eb: ExpressionBuilder<Database, 'jobs'>) => UpdateObject<Database, 'jobs'>)
  ): Promise<boolean> {
    const result = await this.store.db
      .updateTable('jobs')
      .set(changes)
      .where('id', '=', job.id)
      .where('locked_by', '=', job.lease)
      .where('state', '=', 'running')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Marks a held job done. False when the lease was lost (another claimer may own it now). */
  complete(job: ClaimedJob): Promise<boolean> {
    return this.updateHeld(job, {
      state: 'done',
      locked_by: null,
      locked_until: null,
      last_error: null,
      updated_at: this.clock()
    })
  }

  /**
   * Marks several held jobs done in one statement; returns the ids whose lease still held
   * (the others were lost, and nothing was written for them).
   */
  async completeMany(jobs: readonly ClaimedJob[]): Promise<Set<number>> {
    if (jobs.length === 0) return new Set()
    const db = this.store.db
    const values: Record<string, unknown> = { now: this.clock() }
    jobs.forEach((job, i) => {
      values[`id${i}`] = job.id
      values[`lease${i}`] = job.lease
    })
    // One shape per number of jobs (at most the runner's concurrency).
    const rows = await this.hot.rows(db, `complete:${jobs.length}`, values, (value) =>
      db
        .updateTable('jobs')
        .set({
          state: 'done',
          locked_by: null,
          locked_until: null,
          last_error: null,
          updated_at: value('now')
        })
        .where('state', '=', 'running')
        .where((eb) =>
          eb.or(
            jobs.map((_, i) =>
              eb.and([eb('id', '=', value(`id${i}`)), eb('locked_by', '=', value(`lease${i}`))])
            )
          )
        )
        .returning('id')
    )
    return new Set(rows.map((row) => Number(row.id)))
  }

  /**
   * Records a failed attempt: back to the queue after a backoff, or to `dead`. A `Snooze` goes
   * back to the queue without its attempt being counted, its backoff growing with `snoozes`.
   */
  async fail(job: ClaimedJob, error: unknown): Promise<FailOutcome> {
    const now = this.clock()
    const decision = decideAfterFailure(
      error,
      { attempts: job.attempts, maxAttempts: job.max_attempts, snoozes: job.snoozes },
      (attempt) => backoffDelay(attempt, this.options.backoff, this.random)
    )
    const held = await this.updateHeld(job, (eb) => ({
      state: (decision.kind === 'dead' ? 'dead' : 'queued') as JobState,
      run_at: decision.kind === 'dead' ? now : now + decision.delayMs,
      ...(decision.kind === 'snooze'
        ? { attempts: eb('attempts', '-', 1), snoozes: eb('snoozes', '+', 1) }
        : {}),
      locked_by: null,
      locked_until: null,
      last_error:
        decision.kind === 'dead'
          ? `${describeError(error)} (${decision.reason})`
          : describeError(error),
      updated_at: now
    }))
    if (!held) return 'lost'
    if (decision.kind !== 'dead' && decision.delayMs === 0) this.notify()
    return decision.kind === 'snooze' ? 'snoozed' : decision.kind
  }

  /** Extends a held lease; false when it was already lost. */
  extendLease(job: ClaimedJob, leaseMs: number): Promise<boolean> {
    return this.updateHeld(job, {
      locked_until: this.leaseTime(leaseMs),
      updated_at: this.clock()
    })
  }

  /**
   * Gives a held job back without counting the attempt (graceful shutdown): it runs again as
   * soon as a runner is free.
   */
  release(job: ClaimedJob): Promise<boolean> {
    const now = this.clock()
    return this.updateHeld(job, (eb) => ({
      state: 'queued' as JobState,
      attempts: eb('attempts', '-', 1),
      run_at: now,
      locked_by: null,
      locked_until: null,
      updated_at: now
    }))
  }

  /**
   * Returns jobs whose lease ran out (their runner died or hung) to the queue, or to `dead`
   * when that was their last attempt, so that a job which kills its runner cannot loop forever.
   */
  async releaseExpiredLeases(): Promise<{ requeued: number; dead: number }> {
    const now = this.clock()
    // One statement, so that a lease expiring while the sweep runs is judged once: with two
    // (one for the dead, one for the requeued), a last attempt expiring between them would be
    // requeued instead of sent to dead.
    const rows = await this.store.db
      .updateTable('jobs')
      .set({
        state: sql<JobState>`case when attempts >= max_attempts then 'dead' else 'queued' end`,
        last_error: sql<
          string | null
        >`case when attempts >= max_attempts then ${LEASE_EXPIRED_ERROR} else last_error end`,
        locked_by: null,
        locked_until: null,
        run_at: now,
        updated_at: now
      })
      .where('state', '=', 'running')
      .where('locked_until', '<', this.leaseTime())
      .returning('state')
      .execute()
    const dead = rows.filter((row) => row.state === 'dead').length
    const counts = { requeued: rows.length - dead, dead }
    if (counts.requeued > 0) this.notify()
    return counts
  }

  /** Puts a dead job back in the queue with a fresh set of attempts. */
  async replay(id: number): Promise<boolean> {
    const now = this.clock()
    const result = await this.store.db
      .updateTable('jobs')
      .set({ state: 'queued', attempts: 0, snoozes: 0, run_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'dead')
      .executeTakeFirst()
    const replayed = Number(result.numUpdatedRows) === 1
    if (replayed) this.notify()
    return replayed
  }

  /**
   * Deletes the jobs matching `match` that wait (queued) or gave up (dead); running and finished
   * ones are left alone. Returns how many were deleted.
   */
  async discardWaiting(executor: Executor, match: JobKeyMatch): Promise<number> {
    if (match.keys.length === 0 && match.prefixes.length === 0) return 0
    const result = await executor
      .deleteFrom('jobs')
      .where('state', 'in', ['queued', 'dead'])
      .where((eb) =>
        eb.or([
          ...match.keys.map((key) => eb('job_key', '=', key)),
          // substr rather than LIKE: no wildcard in a prefix can widen the match.
          ...match.prefixes.map((prefix) =>
            eb(eb.fn<string>('substr', ['job_key', eb.lit(1), eb.lit(prefix.length)]), '=', prefix)
          )
        ])
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** Deletes finished jobs last touched before `before` (epoch ms). */
  async purgeDone(before: number): Promise<number> {
    const result = await this.store.db
      .deleteFrom('jobs')
      .where('state', '=', 'done')
      .where('updated_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async get(id: number): Promise<Job | undefined> {
    const row = await this.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row && { ...row, id: Number(row.id) }
  }

  async list(filter: { state?: JobState; task?: string; limit?: number } = {}): Promise<Job[]> {
    let query = this.store.db.selectFrom('jobs').selectAll()
    if (filter.state) query = query.where('state', '=', filter.state)
    if (filter.task) query = query.where('task', '=', filter.task)
    const rows = await query
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .execute()
    return rows.map((row) => ({ ...row, id: Number(row.id) }))
  }

  async counts(): Promise<Record<JobState, number>> {
    const rows = await this.store.db
      .selectFrom('jobs')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute()
    const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, dead: 0 }
    for (const row of rows) counts[row.state] = Number(row.n)
    return counts
  }
}
