import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import { PermanentFailure, describeError } from '../core/job-failure.js'
import type { AnyTasks, ClaimedJob, JobQueue, TaskName } from './job-queue.js'

export interface JobContext {
  job: ClaimedJob
  /** Aborted when the lease is lost or shutdown runs out of patience: stop soon. */
  signal: AbortSignal
  logger: Logger
}

export type TaskHandler<Payload = unknown> = (
  payload: Payload,
  context: JobContext
) => Promise<void>

/** One handler per task of the map, each receiving its task's payload. */
export type TaskHandlers<Tasks> = { [Task in TaskName<Tasks>]: TaskHandler<Tasks[Task]> }

/**
 * Checks a stored payload (JSON, written by an older or newer version perhaps) before its
 * handler sees it: returns it typed, or throws saying what does not fit.
 */
export type PayloadCheck<Payload> = (payload: unknown) => Payload

export type PayloadChecks<Tasks> = { [Task in TaskName<Tasks>]: PayloadCheck<Tasks[Task]> }

/**
 * A map of known tasks must check every payload, since its handlers rely on the payload's type;
 * a map that accepts any name with an `unknown` payload (`AnyTasks`) may leave them unchecked.
 */
type PayloadCheckOption<Tasks> = AnyTasks extends Tasks
  ? { payloads?: Partial<PayloadChecks<Tasks>> }
  : { payloads: PayloadChecks<Tasks> }

export type JobRunnerOptions<Tasks extends object = AnyTasks> = PayloadCheckOption<Tasks> & {
  queue: JobQueue<Tasks>
  handlers: TaskHandlers<Tasks>
  logger: Logger
  concurrency: number
  leaseMs: number
  pollIntervalMs: number
  /** How long finished jobs are kept before being purged; 0 keeps them. */
  retentionMs?: number
  workerId?: string
  /** Told how each attempt ended and how long it ran (for the metrics). */
  onAttempt?: (task: string, outcome: AttemptOutcome, seconds: number) => void
}

/** How an attempt ended: finished, to be tried again, waiting, given up, or not recorded. */
export type AttemptOutcome = 'done' | 'retry' | 'snoozed' | 'dead' | 'lost'

/** How long a busy runner gathers wake-ups before claiming (see `run`). */
const CLAIM_GATHER_MS = 3

interface Running {
  job: ClaimedJob
  controller: AbortController
  done: Promise<void>
}

/**
 * Claims due jobs and runs their handlers, at most `concurrency` at a time. A running job's
 * lease is renewed every third of its length; expired leases of dead runners are swept back
 * to the queue. Several runners, in one process or many, can share one database.
 */
export class JobRunner<Tasks extends object = AnyTasks> {
  readonly workerId: string
  private readonly running = new Map<number, Running>()
  private stopping = false
  private started = false
  private loop: Promise<void> | undefined
  private wakeUp: (() => void) | undefined
  private wokenWhileBusy = false
  /**
   * Whether due jobs may be waiting unclaimed: set by an enqueue, a poll timeout or a claim
   * that filled every free slot; cleared by a claim that found fewer. A finished job frees a
   * slot but only leads to a claim while this holds, so a quiet queue is not asked again after
   * every job.
   */
  private mayHaveWork = true
  /** Finished jobs waiting to be marked done together (see `flushCompletions`). */
  private completions: Array<{ job: ClaimedJob; settle: (held: boolean) => void }> = []
  private flushScheduled = false
  private unsubscribe: (() => void) | undefined
  private detachTaker: (() => void) | undefined
  /** Slots promised to jobs being enqueued in this process (see `JobQueue.enqueue`). */
  private reserved = 0
  private lastSweep = 0
  private lastPurge = 0

  constructor(private readonly options: JobRunnerOptions<Tasks>) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  }

  get activeCount(): number {
    return this.running.size
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.unsubscribe = this.options.queue.onEnqueued(() => this.wake())
    this.detachTaker = this.options.queue.attachTaker({
      accepts: (task) => Object.hasOwn(this.options.handlers, task),
      reserve: () => {
        if (this.stopping) return undefined
        if (this.running.size + this.reserved >= this.options.concurrency) return undefined
        this.reserved++
        return { lease: `${this.workerId}/${randomUUID()}`, leaseMs: this.options.leaseMs }
      },
      take: (job) => {
        this.reserved--
        if (this.stopping) {
          // Given back: it runs again as soon as a runner is free.
          void this.options.queue.release(job).catch(() => false)
          return
        }
        this.execute(job)
      },
      cancel: () => {
        this.reserved--
        this.resume()
      }
    })
    this.loop = this.run()
  }

  /** Ends the poll wait early (new work may be due). */
  wake(): void {
    this.mayHaveWork = true
    this.resume()
  }

  /** Ends the poll wait early without saying that new work is due (a slot was freed). */
  private resume(): void {
    if (this.wakeUp) this.wakeUp()
    else this.wokenWhileBusy = true
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for running jobs, then aborts the rest and gives
   * them back to the queue without counting the attempt.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.started) return
    this.stopping = true
    this.unsubscribe?.()
    this.detachTaker?.()
    this.wake()
    await this.loop
    const pending = [...this.running.values()]
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs)
      })
      const settled = Promise.all(pending.map((r) => r.done)).then(() => 'done' as const)
      const outcome = await Promise.race([settled, timedOut])
      clearTimeout(timer)
      if (outcome === 'timeout') {
        for (const entry of this.running.values()) {
          // Give the job back before aborting it, so the handler's rejection cannot be recorded
          // as a failed attempt first (the release ends the lease that fail() would need).
          const released = await this.options.queue.release(entry.job).catch(() => false)
          entry.controller.abort(new Error('shutting down'))
          this.options.logger.warn(
            { jobId: entry.job.id, task: entry.job.task, released },
            'job returned to the queue at shutdown'
          )
        }
      }
    }
  }

  private async run(): Promise<void> {
    const { queue, concurrency, leaseMs, pollIntervalMs, logger } = this.options
    const sweepEvery = Math.max(100, Math.min(leaseMs / 2, 5_000))
    while (!this.stopping) {
      let claimedFull = false
      try {
        const now = Date.now()
        if (now - this.lastSweep >= sweepEvery) {
          this.lastSweep = now
          const swept = await queue.releaseExpiredLeases()
          if (swept.requeued + swept.dead > 0) {
            logger.warn(swept, 'expired job leases released')
          }
          await this.maybePurge(now)
        }
        const free = concurrency - this.running.size - this.reserved
        if (free > 0 && this.mayHaveWork) {
          // Cleared before the claim: an enqueue while it runs sets it again.
          this.mayHaveWork = false
          const jobs = await queue.claim(this.workerId, free, leaseMs)
          for (const job of jobs) this.execute(job)
          claimedFull = jobs.length === free
          if (claimedFull) this.mayHaveWork = true
        }
      } catch (error) {
        this.mayHaveWork = true
        logger.error({ err: error }, 'job runner poll failed')
      }
      if (this.stopping) break
      if (claimedFull && this.running.size + this.reserved < concurrency) continue
      const woken = await this.waitForWork(pollIntervalMs)
      // Let the other wake-ups of this moment (several jobs finishing or being enqueued
      // together) arrive, so that one claim serves them all. While jobs run, a claim waits a
      // little longer for more: the runner is busy anyway, and each claim is a write.
      if (woken) {
        await new Promise((resolve) =>
          this.running.size > 0 ? setTimeout(resolve, CLAIM_GATHER_MS) : setImmediate(resolve)
        )
      }
    }
  }

  private async maybePurge(now: number): Promise<void> {
    const retentionMs = this.options.retentionMs ?? 0
    if (retentionMs <= 0 || now - this.lastPurge < 60 * 60 * 1000) return
    this.lastPurge = now
    const purged = await this.options.queue.purgeDone(now - retentionMs)
    if (purged > 0) this.options.logger.info({ purged }, 'finished jobs purged')
  }

  /** Waits for a wake-up (true) or until `ms` have passed (false, and work may then be due). */
  private waitForWork(ms: number): Promise<boolean> {
    if (this.wokenWhileBusy) {
      this.wokenWhileBusy = false
      return Promise.resolve(true)
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined
        // Jobs due later, or enqueued by another process, are found by polling.
        this.mayHaveWork = true
        resolve(false)
      }, ms)
      this.wakeUp = () => {
        this.wakeUp = undefined
        clearTimeout(timer)
        resolve(true)
      }
    })
  }

  /**
   * Marks a finished job done; the jobs finishing at the same moment are marked together, in
   * one statement. Resolves false when the lease was lost.
   */
  private complete(job: ClaimedJob): Promise<boolean> {
    return new Promise((settle) => {
      this.completions.push({ job, settle })
      if (this.flushScheduled) return
      this.flushScheduled = true
      setImmediate(() => void this.flushCompletions())
    })
  }

  private async flushCompletions(): Promise<void> {
    this.flushScheduled = false
    const batch = this.completions
    this.completions = []
    try {
      const held = await this.options.queue.completeMany(batch.map((entry) => entry.job))
      for (const entry of batch) entry.settle(held.has(entry.job.id))
    } catch (error) {
      // Not recorded: the jobs stay running until their lease ends, then run again (their
      // handlers are idempotent), as after a crash at this point.
      this.options.logger.error({ err: error }, 'could not record finished jobs')
      for (const entry of batch) entry.settle(false)
    }
  }

  private execute(job: ClaimedJob): void {
    const { queue, leaseMs } = this.options
    // Made when first used: most jobs log nothing, and a child logger is not free.
    let childLogger: Logger | undefined
    const logger = (): Logger =>
      (childLogger ??= this.options.logger.child({
        jobId: job.id,
        task: job.task,
        attempt: job.attempts,
        ...idsOf(job.payload)
      }))
    const controller = new AbortController()
    const heartbeat = setInterval(
      () => {
        queue
          .extendLease(job, leaseMs)
          .then((held) => {
            if (!held) controller.abort(new Error('lease lost'))
          })
          .catch((error: unknown) => logger().warn({ err: error }, 'lease renewal failed'))
      },
      Math.max(50, Math.floor(leaseMs / 3))
    )
    const started = performance.now()
    const report = (outcome: AttemptOutcome) => {
      try {
        this.options.onAttempt?.(job.task, outcome, (performance.now() - started) / 1000)
      } catch {
        // Measuring never changes what the runner does.
      }
    }
    const done = (async () => {
      try {
        const { handler, check } = this.taskOf(job.task)
        if (!handler) {
          throw new PermanentFailure(`no handler for task "${job.task}"`, { code: 'UNKNOWN_TASK' })
        }
        const payload = checkedPayload(job, check)
        await handler(payload, {
          job,
          signal: controller.signal,
          get logger() {
            return logger()
          }
        })
        clearInterval(heartbeat)
        const recorded = await this.complete(job)
        report(recorded ? 'done' : 'lost')
        if (!recorded) {
          logger().warn('job finished after its lease was lost; its outcome was not recorded')
        }
      } catch (error) {
        clearInterval(heartbeat)
        const outcome = await queue.fail(job, error).catch((failError: unknown) => {
          logger().error({ err: failError }, 'could not record job failure')
          return 'lost' as const
        })
        report(outcome)
        if (outcome === 'snoozed') {
          logger().info({ outcome, reason: describeError(error) }, 'job waits')
        } else {
          const log = logger()
          if (outcome === 'dead')
            log.error({ outcome, error: describeError(error) }, 'job attempt failed')
          else log.warn({ outcome, error: describeError(error) }, 'job attempt failed')
        }
      } finally {
        clearInterval(heartbeat)
        this.running.delete(job.id)
        this.resume()
      }
    })()
    this.running.set(job.id, { job, controller, done })
  }

  /**
   * The handler and payload check of a stored task name. Rows hold any text, so the lookup is
   * by string; a handler only ever receives what its task's check returned (or, for a map
   * without checks, the parsed JSON its `unknown` payload type admits).
   */
  private taskOf(task: string): {
    handler: TaskHandler | undefined
    check: PayloadCheck<unknown> | undefined
  } {
    const handlers: Partial<Record<string, TaskHandler<never>>> = this.options.handlers
    const checks: Partial<Record<string, PayloadCheck<unknown>>> = this.options.payloads ?? {}
    return {
      handler: Object.hasOwn(handlers, task) ? (handlers[task] as TaskHandler) : undefined,
      check: Object.hasOwn(checks, task) ? checks[task] : undefined
    }
  }
}

/** The job's payload, parsed and checked; a payload that does not fit can never succeed. */
function checkedPayload(job: ClaimedJob, check: PayloadCheck<unknown> | undefined): unknown {
  try {
    const payload: unknown = JSON.parse(job.payload)
    return check ? check(payload) : payload
  } catch (error) {
    throw new PermanentFailure(
      `payload of task "${job.task}" is not usable: ${describeError(error)}`,
      { code: 'INVALID_JOB_PAYLOAD', cause: error }
    )
  }
}

/**
 * The ids a job's payload names — the registration (our transaction id) and the MOSIP event —
 * for its log lines, so an operator can follow one registration through the logs. Payloads hold
 * ids only; nothing else of them is logged.
 */
function idsOf(payload: string): { registrationId?: string; mosipEventId?: string } {
  try {
    const parsed = JSON.parse(payload) as { registrationId?: unknown; eventId?: unknown } | null
    if (typeof parsed !== 'object' || parsed === null) return {}
    return {
      ...(typeof parsed.registrationId === 'string'
        ? { registrationId: parsed.registrationId }
        : {}),
      ...(typeof parsed.eventId === 'string' ? { mosipEventId: parsed.eventId } : {})
    }
  } catch {
    return {}
  }
}
