/**
 * A partner system's failed Outcome (MOSIP, OpenCRVS) as seen by a job: retry the job, after
 * the partner's Retry-After when it gave one, or give up. The job queue's own failure kinds and
 * retry decision are in core/job-failure.ts.
 */
import type { JobContext } from '../queue/job-runner.js'
import { RetryLater } from '../core/job-failure.js'
import type { Outcome } from '../core/outcome.js'

export type Failure = Exclude<Outcome<unknown>, { kind: 'ok' }>

/** True when this attempt is the job's last: a retryable failure must now be given up. */
export function lastAttempt(context: JobContext): boolean {
  return context.job.attempts >= context.job.max_attempts
}

/**
 * Turns a retryable failure into the job's retry: after the partner's Retry-After when it gave
 * one, otherwise the queue's backoff.
 */
export function retryJob(failure: Failure): never {
  if (failure.kind === 'retry' && failure.afterMs !== undefined) {
    throw new RetryLater(failure.afterMs, failure.reason, { code: failure.code })
  }
  throw Object.assign(new Error(failure.reason), { code: failure.code })
}

export function describeFailure(failure: Failure): string {
  return `${failure.code}: ${failure.reason}`
}
