import { setImmediate } from 'node:timers/promises'
import type { MosipWorkflowCompletedEvent } from '@mosip-bridge/contracts'
import { errorCode } from '../core/error-code.js'
import type { MosipStatusGateway, MosipStatusResult } from '../core/ports.js'
import {
  answerLabel,
  decideReconciliation,
  type MosipStatusAnswer,
  type ReconcileDecision,
  type ReconcileSettings
} from '../core/reconcile-decision.js'
import { mosipIdOf } from '../core/registration-state.js'
import type { RegistrationIds } from './registration-ids.js'
import type { Logger } from '../observability/logger.js'
import type { JobQueue } from '../queue/job-queue.js'
import type { Executor, Store } from '../store/database.js'
import type {
  MosipCheck,
  ReconcileSelection,
  ReconciliationRepository
} from '../store/reconciliation.repository.js'
import {
  WIPE_ALL_SECRETS,
  type RegistrationsRepository
} from '../store/registrations.repository.js'
import type { Registration } from '../store/schema.js'
import { failRegistration } from './fail-registration.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'

/** MOSIP's status search takes at most this many ids per request. */
export const STATUS_BATCH_SIZE = 100

export interface ReconcilerDeps {
  store: Store
  registrations: RegistrationsRepository
  reconciliation: ReconciliationRepository
  queue: JobQueue<Tasks>
  status: MosipStatusGateway
  settings: ReconcileSettings & {
    /** MOSIP_RECONCILE_AFTER_SECONDS, in ms: the first check of a submitted registration. */
    afterMs: number
  }
  rejectOnFailure: boolean
  /** Where new MOSIP registration ids come from (a resubmission MOSIP asked for with RESEND/REREGISTER). */
  registrationIds: RegistrationIds
  logger: Logger
  /** How long a claimed registration is held by one check; default 2 min. */
  claimLeaseMs?: number
  clock?: () => number
}

/** One registration checked in a pass: what MOSIP said and what was done. */
export interface ReconcileOutcome {
  registrationId: string
  mosipId: string
  kind: Registration['kind']
  /** MOSIP's answer (`RPR-RGS-031` for an unknown id), or the error that kept it from answering. */
  answer: string
  /** What was done (or, in a dry run, would be). */
  action: ReconcileDecision['action'] | 'postponed' | 'moved-on'
  detail: string
}

export interface PassReport {
  checked: number
  /** Decisions by action. */
  actions: Record<string, number>
  /** Registrations whose check failed (MOSIP unreachable, an error about the id) and waits. */
  postponed: number
  /** MOSIP could not be asked at all: the pass stopped there. */
  stoppedBy?: { code: string; reason: string }
}

export interface PassOptions {
  /** A manual pass: every submitted registration older than this (ms), due or not. */
  olderThanMs?: number
  /** Ask MOSIP and report, change nothing. */
  dryRun?: boolean
  /** Called after each batch with the registrations done so far and the total (if known). */
  onProgress?: (done: number, total: number | undefined) => void
  /** Called with each registration's outcome. */
  onOutcome?: (outcome: ReconcileOutcome) => void
  /** Stop after this many registrations. */
  max?: number
}

const MOVED_ON = 'INVALID_STATE_TRANSITION'

/** Registrations of a batch handled between two turns of the event loop. */
const YIELD_EVERY = 10

/** MOSIP's answer about one registration, waiting to be recorded with the rest of its batch. */
interface PendingCheck {
  row: Registration
  check: MosipCheck
}

/**
 * Reconciliation with MOSIP: registrations submitted and unfinished are checked against MOSIP's
 * external status search, and MOSIP's answer moves them on (`decideReconciliation` says how). The
 * same outcomes apply when MOSIP pushes its workflow-completed event. Safe with several
 * instances: each batch is claimed in the store first (the claim moves the next check past a
 * lease), so one instance checks a registration at a time and a check lost in a crash comes
 * round again once its lease is over.
 */
export class Reconciler {
  private readonly clock: () => number
  private readonly claimLeaseMs: number
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private stopped = true

  constructor(private readonly deps: ReconcilerDeps) {
    this.clock = deps.clock ?? Date.now
    this.claimLeaseMs = deps.claimLeaseMs ?? 120_000
  }

  /** How often the background loop looks for due registrations. */
  get tickMs(): number {
    return Math.max(250, Math.min(30_000, Math.floor(this.deps.settings.intervalMs / 2)))
  }

  /** Starts the background loop: a scheduled pass every `tickMs`. */
  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.schedule(this.tickMs)
  }

  /** Stops the loop and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running?.catch(() => undefined)
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.runPass({})
        .catch((error: unknown) => {
          this.deps.logger.error({ err: error }, 'reconciliation pass failed')
        })
        .finally(() => {
          this.running = undefined
          this.schedule(this.tickMs)
        })
    }, delayMs)
    this.timer.unref()
  }

  /**
   * One pass: the due registrations (or, with `olderThanMs`, all submitted that long ago), in
   * batches of at most 100 ids per status request.
   */
  async runPass(options: PassOptions): Promise<PassReport> {
    const started = this.clock()
    const manual = options.olderThanMs !== undefined
    const selection: Omit<ReconcileSelection, 'limit'> = manual
      ? { submittedBefore: started - (options.olderThanMs ?? 0), checkedBefore: started }
      : { dueAt: started }
    const report: PassReport = { checked: 0, actions: {}, postponed: 0 }
    const max = options.max ?? Number.POSITIVE_INFINITY
    const total =
      options.onProgress !== undefined
        ? Math.min(max, await this.deps.reconciliation.count(selection))
        : undefined
    let done = 0
    options.onProgress?.(0, total)
    // A dry run claims nothing, so it reads its registrations once and walks through them.
    const planned = options.dryRun
      ? await this.deps.reconciliation.peek({
          ...selection,
          limit: Number.isFinite(max) ? max : 1_000_000
        })
      : undefined
    const seen = new Set<string>()
    while (done < max) {
      const limit = Math.min(STATUS_BATCH_SIZE, max - done)
      let batch: Registration[]
      if (planned) {
        batch = planned.slice(done, done + limit)
      } else {
        batch = await this.deps.reconciliation.claim(
          { ...selection, limit },
          this.clock() + this.claimLeaseMs
        )
        // Each registration once per pass, whatever its answer made of it.
        batch = batch.filter((row) => !seen.has(row.id))
      }
      if (batch.length === 0) break
      for (const row of batch) seen.add(row.id)
      const stop = await this.checkBatch(batch, options, report)
      done += batch.length
      options.onProgress?.(done, total)
      if (stop) {
        report.stoppedBy = stop
        break
      }
    }
    if (report.checked > 0 || report.stoppedBy) {
      this.deps.logger.info(
        {
          checked: report.checked,
          actions: report.actions,
          postponed: report.postponed,
          dryRun: options.dryRun === true,
          ...(report.stoppedBy ? { stoppedBy: report.stoppedBy.code } : {})
        },
        'reconciliation pass'
      )
    }
    return report
  }

  /** Asks MOSIP about one batch and applies its answers; returns why the pass must stop, if so. */
  private async checkBatch(
    batch: Registration[],
    options: PassOptions,
    report: PassReport
  ): Promise<{ code: string; reason: string } | undefined> {
    const byMosipId = new Map(batch.map((row) => [mosipIdOf(row), row]))
    const answered = await this.deps.status.statusOf([...byMosipId.keys()])
    if (answered.kind !== 'ok') {
      if (!options.dryRun) {
        await this.deps.reconciliation.postpone(
          this.deps.store.db,
          batch.map((row) => row.id),
          this.clock() + this.deps.settings.intervalMs
        )
      }
      report.postponed += batch.length
      for (const row of batch) {
        options.onOutcome?.({
          registrationId: row.id,
          mosipId: mosipIdOf(row),
          kind: row.kind,
          answer: answered.code,
          action: 'postponed',
          detail: answered.reason
        })
      }
      this.deps.logger.warn(
        { code: answered.code, registrations: batch.length },
        'MOSIP status search failed: checks postponed'
      )
      return { code: answered.code, reason: answered.reason }
    }
    const results = new Map<string, MosipStatusResult>(
      answered.value.map((result) => [result.registrationId, result])
    )
    // Answers that only move the next check (most of them) are written together at the end.
    const checks: PendingCheck[] = []
    let handled = 0
    for (const [mosipId, row] of byMosipId) {
      // SQLite answers synchronously, so a batch would otherwise run as one long chain of
      // microtasks and hold back every HTTP request (intake) until it ends.
      if (++handled % YIELD_EVERY === 0) await setImmediate()
      const result = results.get(mosipId)
      const outcome =
        result === undefined || 'error' in result
          ? await this.postponeOne(
              row,
              result === undefined ? 'MOSIP_STATUS_NOT_REPORTED' : result.error.code,
              options
            )
          : await this.apply(row, answerOf(result), options.dryRun === true, checks)
      report.checked += 1
      if (outcome.action === 'postponed') report.postponed += 1
      else report.actions[outcome.action] = (report.actions[outcome.action] ?? 0) + 1
      options.onOutcome?.(outcome)
    }
    await this.recordChecks(checks)
    return undefined
  }

  private async postponeOne(
    row: Registration,
    code: string,
    options: PassOptions
  ): Promise<ReconcileOutcome> {
    if (!options.dryRun) {
      await this.deps.reconciliation.postpone(
        this.deps.store.db,
        [row.id],
        this.clock() + this.deps.settings.intervalMs
      )
    }
    return {
      registrationId: row.id,
      mosipId: mosipIdOf(row),
      kind: row.kind,
      answer: code,
      action: 'postponed',
      detail: 'MOSIP answered with an error about this id; asked again later'
    }
  }

  /**
   * MOSIP's workflow-completed event about one of its registration ids: a rejection fails the
   * registration at once, a processed death or update finishes it; a processed birth still
   * waits for its credential (the scheduled checks decide if none comes), and a failure asks
   * the status API soon (MOSIP then says RESEND or REREGISTER).
   */
  async applyWorkflowCompleted(
    event: Pick<MosipWorkflowCompletedEvent, 'instanceId' | 'resultCode'>,
    options: {
      /** The registration of `event.instanceId` as the caller just read it (saves a read). */
      current?: Registration
      /** More to write in the transaction that notes the status, when that is the outcome. */
      alsoWhenNoted?: (trx: Executor) => Promise<void>
    } = {}
  ): Promise<'applied' | 'noted' | 'unknown-registration' | 'not-waiting'> {
    const row = options.current ?? (await this.deps.registrations.findByMosipId(event.instanceId))
    if (!row) return 'unknown-registration'
    if (row.state !== 'submitted' || mosipIdOf(row) !== event.instanceId) return 'not-waiting'
    const result = event.resultCode
    if (result === 'REJECTED' || (result === 'PROCESSED' && row.kind !== 'birth')) {
      const outcome = await this.apply(row, { status: result }, false)
      return outcome.action === 'moved-on' ? 'not-waiting' : 'applied'
    }
    await this.deps.store.transaction(async (trx) => {
      await this.deps.reconciliation.noteStatus(trx, row.id, result)
      if (result !== 'PROCESSED') {
        await this.deps.reconciliation.postpone(trx, [row.id], this.clock())
      }
      await options.alsoWhenNoted?.(trx)
    })
    return 'noted'
  }

  /**
   * MOSIP's answers that only move the next check, in one transaction: one commit (and on
   * PostgreSQL one fsync) per batch instead of one per registration. A check lost here comes
   * round again once its claim's lease is over.
   */
  private async recordChecks(checks: PendingCheck[]): Promise<void> {
    if (checks.length === 0) return
    await this.deps.store.transaction(async (trx) => {
      for (const { row, check } of checks) {
        await this.deps.reconciliation.recordCheck(trx, row, check)
      }
    })
  }

  /**
   * Carries out the decision for one registration and MOSIP's answer about it, in one transaction
   * that first makes sure the registration is still the submission MOSIP was asked about: one
   * submitted again meanwhile (a resubmission, an operator's retry) or moved on is left alone,
   * since the answer is about an earlier submission.
   */
  private async apply(
    row: Registration,
    answer: MosipStatusAnswer,
    dryRun: boolean,
    checks?: PendingCheck[]
  ): Promise<ReconcileOutcome> {
    const now = this.clock()
    const label = answerLabel(answer)
    const decision = decideReconciliation(
      {
        kind: row.kind,
        state: 'submitted',
        credentialArrived: row.credential_event_id !== null,
        resubmissions: row.resubmissions,
        answer,
        ...(row.mosip_status !== null
          ? { previous: { answer: row.mosip_status, unchangedChecks: row.mosip_unchanged_checks } }
          : {})
      },
      this.deps.settings
    )
    const outcome = (detail: string): ReconcileOutcome => ({
      registrationId: row.id,
      mosipId: mosipIdOf(row),
      kind: row.kind,
      answer: label,
      action: decision.action,
      detail
    })
    if (dryRun) return outcome(describe(decision))
    const checked = { mosip_status: label, mosip_checked_at: now }
    if (decision.action === 'keep-checking' || decision.action === 'leave') {
      // Only the next check moves: written with the rest of the batch when there is one, and
      // only onto the submission MOSIP was asked about.
      const check: MosipCheck = {
        status: label,
        checkedAt: now,
        unchangedChecks: decision.action === 'keep-checking' ? decision.unchangedChecks : 0,
        nextCheckAt:
          now +
          (decision.action === 'keep-checking'
            ? decision.nextCheckInMs
            : this.deps.settings.intervalMs)
      }
      if (checks) checks.push({ row, check })
      else await this.deps.reconciliation.recordCheck(this.deps.store.db, row, check)
      return outcome(describe(decision))
    }
    let enqueued = false
    try {
      const detail = await this.deps.store.transaction(async (trx) => {
        if (!(await this.deps.reconciliation.lockIfUnchanged(trx, row))) throw new MovedOn()
        switch (decision.action) {
          case 'fail': {
            const rejected = await failRegistration(
              {
                // failRegistration's own transaction is this one.
                store: { ...this.deps.store, db: trx, transaction: (work) => work(trx) },
                registrations: this.deps.registrations,
                queue: this.deps.queue,
                rejectOnFailure: this.deps.rejectOnFailure
              },
              row,
              { code: decision.code, reason: decision.reason, changes: checked }
            )
            enqueued = rejected
            return rejected ? `${decision.reason}; rejection in OpenCRVS queued` : decision.reason
          }
          case 'finish':
            enqueued = decision.state === 'confirmed'
            return this.finish(trx, row, decision, checked)
          case 'needs-attention': {
            await this.deps.registrations.transition(trx, row.id, 'needs_attention', {
              from: 'submitted',
              reason: decision.code,
              lastError: decision.reason,
              changes: { ...checked, reconcile_at: null }
            })
            return decision.reason
          }
          case 'resubmit': {
            const done = await this.resubmit(trx, row, decision, checked)
            enqueued = done.enqueued
            return done.detail
          }
        }
      })
      if (enqueued) this.deps.queue.notify()
      if (decision.action === 'fail') {
        this.deps.logger.warn(
          { registrationId: row.id, code: decision.code, reject: enqueued },
          'MOSIP refused the registration in processing'
        )
      } else if (decision.action === 'needs-attention') {
        this.deps.logger.warn(
          { registrationId: row.id, code: decision.code },
          'registration needs attention'
        )
      }
      return outcome(detail)
    } catch (error) {
      if (errorCode(error) !== MOVED_ON) throw error
      return { ...outcome('the registration moved on meanwhile'), action: 'moved-on' }
    }
  }

  private async finish(
    trx: Executor,
    row: Registration,
    decision: Extract<ReconcileDecision, { action: 'finish' }>,
    checked: { mosip_status: string; mosip_checked_at: number }
  ): Promise<string> {
    const reason = `MOSIP_${decision.status}`
    // The row is still as read: lockIfUnchanged has just checked it in this transaction.
    if (decision.state === 'completed') {
      await this.deps.registrations.transition(trx, row.id, 'completed', {
        current: row,
        from: 'submitted',
        reason,
        lastError: null,
        changes: { ...checked, reconcile_at: null, ...WIPE_ALL_SECRETS }
      })
      return `${decision.reason}: completed`
    }
    // A death MOSIP processed: confirm it in OpenCRVS as a credential would have.
    await this.deps.registrations.transition(trx, row.id, 'credential_received', {
      current: row,
      from: 'submitted',
      reason,
      lastError: null,
      changes: { ...checked, reconcile_at: null }
    })
    await this.deps.queue.enqueue(
      trx,
      TASKS.confirmRegistration,
      { v: 1, registrationId: row.id },
      { jobKey: jobKeys.confirmRegistration(row.id, reason) }
    )
    return `${decision.reason}: confirmation in OpenCRVS queued`
  }

  private async resubmit(
    trx: Executor,
    row: Registration,
    decision: Extract<ReconcileDecision, { action: 'resubmit' }>,
    checked: { mosip_status: string; mosip_checked_at: number }
  ): Promise<{ detail: string; enqueued: boolean }> {
    if (row.payload_sealed === null) {
      await this.deps.registrations.transition(trx, row.id, 'needs_attention', {
        from: 'submitted',
        reason: 'PACKET_INPUT_MISSING',
        lastError: `${decision.reason}, but the packet's content is no longer kept`,
        changes: { ...checked, reconcile_at: null }
      })
      return {
        detail: `${decision.reason}; the packet's content is no longer kept: needs attention`,
        enqueued: false
      }
    }
    // The same id again for an id MOSIP does not know; a new one when MOSIP asks for the packet
    // again (its workflow for the old id exists and would answer "already present").
    const mosipId =
      decision.cause === 'UNKNOWN_ID' ? mosipIdOf(row) : await this.deps.registrationIds.next(trx)
    if (decision.cause !== 'UNKNOWN_ID') {
      await this.deps.reconciliation.addMosipId(trx, {
        registrationId: row.id,
        mosipId,
        cause: decision.cause
      })
    }
    await this.deps.registrations.transition(trx, row.id, 'received', {
      from: 'submitted',
      reason: `MOSIP_RESUBMIT_${decision.cause}`,
      lastError: null,
      changes: {
        ...checked,
        mosip_id: mosipId === row.id ? null : mosipId,
        resubmissions: decision.resubmission,
        mosip_unchanged_checks: 0,
        reconcile_at: null,
        attempts: 0
      }
    })
    await this.deps.queue.enqueue(
      trx,
      TASKS.submitPacket,
      { v: 1, registrationId: row.id },
      { jobKey: jobKeys.resubmitPacket(row.id, decision.resubmission) }
    )
    return {
      detail: `${decision.reason}: submitted again as ${mosipId} (resubmission ${decision.resubmission})`,
      enqueued: true
    }
  }
}

/** The registration is no longer the submission MOSIP was asked about. */
class MovedOn extends Error {
  readonly code = MOVED_ON
  constructor() {
    super('the registration moved on since it was claimed')
  }
}

function answerOf(result: Exclude<MosipStatusResult, { error: unknown }>): MosipStatusAnswer {
  return 'unknown' in result ? { unknown: true } : { status: result.status }
}

function describe(decision: ReconcileDecision): string {
  switch (decision.action) {
    case 'keep-checking':
      return `still in MOSIP: next check in ${Math.round(decision.nextCheckInMs / 1000)} s`
    case 'resubmit':
      return `${decision.reason}: submit again (resubmission ${decision.resubmission})`
    case 'finish':
      return decision.state === 'confirmed'
        ? `${decision.reason}: confirm in OpenCRVS`
        : `${decision.reason}: completed`
    default:
      return decision.reason
  }
}
