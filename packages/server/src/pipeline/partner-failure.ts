/**
 * A partner system's failed Outcome (MOSIP, OpenCRVS) as seen by a job: wait for the partner
 * (a snooze: an outage of any length never uses up the job's attempts), or give up. The job
 * queue's own failure kinds and retry decision are in core/job-failure.ts.
 */
import { RetryLater, Snooze } from '../core/job-failure.js'
import type { Outcome } from '../core/outcome.js'

export type Failure = Exclude<Outcome<unknown>, { kind: 'ok' }>

/**
 * Turns a transient partner failure (network error, timeout, 5xx, 429, refused login) into a
 * snooze: the job runs again after the partner's Retry-After when it gave one, otherwise after
 * the queue's capped backoff, without counting an attempt.
 */
export function waitForPartner(failure: Failure): never {
  throw new Snooze(failure.reason, { code: failure.code, afterMs: retryAfterOf(failure) })
}

/**
 * Turns a retryable failure of our own (not a partner's outage) into the job's retry, which
 * counts an attempt: after `afterMs` when given, otherwise the queue's backoff.
 */
export function retryJob(failure: Failure): never {
  const afterMs = retryAfterOf(failure)
  if (afterMs !== undefined) throw new RetryLater(afterMs, failure.reason, { code: failure.code })
  throw Object.assign(new Error(failure.reason), { code: failure.code })
}

function retryAfterOf(failure: Failure): number | undefined {
  return failure.kind === 'retry' ? failure.afterMs : undefined
}

export function describeFailure(failure: Failure): string {
  return `${failure.code}: ${failure.reason}`
}
