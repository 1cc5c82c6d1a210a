/**
 * How a job fails: what a job handler can say besides succeeding (returning) or failing for an
 * unknown reason (throwing anything else, which is retried with backoff until the attempts run
 * out), and the queue's decision after a failed attempt.
 *
 * Only failures of unknown kind (bugs, a database error) use up the job's attempts. A handler
 * that knows its work cannot be done yet — a partner system is down, our own state has not
 * caught up — says `Snooze`: the job runs again later, as often as needed, without the attempt
 * being counted.
 */
import { errorCode } from './error-code.js'

/** Try again later, after `afterMs` (for instance a Retry-After from a partner system). */
export class RetryLater extends Error {
  readonly code: string
  constructor(
    readonly afterMs: number,
    message: string,
    options?: { code?: string; cause?: unknown }
  ) {
    super(message, { cause: options?.cause })
    this.name = 'RetryLater'
    this.code = options?.code ?? 'RETRY_LATER'
  }
}

/**
 * Not now, but certainly later: the job runs again after `afterMs` (a Retry-After), or else after
 * the queue's capped exponential backoff counted by the job's own snoozes. The attempt is not
 * counted, so an outage of any length never exhausts the job's attempts.
 */
export class Snooze extends Error {
  readonly code: string
  readonly afterMs: number | undefined
  constructor(
    message: string,
    options?: { afterMs?: number | undefined; code?: string; cause?: unknown }
  ) {
    super(message, { cause: options?.cause })
    this.name = 'Snooze'
    this.code = options?.code ?? 'SNOOZED'
    this.afterMs = options?.afterMs
  }
}

/** Retrying cannot help: the job goes straight to the dead state for an operator to see. */
export class PermanentFailure extends Error {
  readonly code: string
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { cause: options?.cause })
    this.name = 'PermanentFailure'
    this.code = options?.code ?? 'PERMANENT_FAILURE'
  }
}

type FailureDecision =
  | { kind: 'retry'; delayMs: number }
  | { kind: 'snooze'; delayMs: number }
  | { kind: 'dead'; reason: string }

/**
 * Pure decision after a failed attempt. `attempts` counts the attempt that just failed;
 * `snoozes` how often the job snoozed before this one.
 */
export function decideAfterFailure(
  error: unknown,
  job: { attempts: number; maxAttempts: number; snoozes: number },
  backoff: (attempt: number) => number
): FailureDecision {
  const { attempts, maxAttempts } = job
  if (error instanceof Snooze) {
    return { kind: 'snooze', delayMs: Math.max(0, error.afterMs ?? backoff(job.snoozes + 1)) }
  }
  if (error instanceof PermanentFailure) return { kind: 'dead', reason: 'permanent failure' }
  if (attempts >= maxAttempts) return { kind: 'dead', reason: `gave up after ${attempts} attempts` }
  if (error instanceof RetryLater) return { kind: 'retry', delayMs: Math.max(0, error.afterMs) }
  return { kind: 'retry', delayMs: backoff(attempts) }
}

/** A short, log-safe description of an error: its code and message, no stack, no payloads. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error)
    const text = `${code !== undefined ? `${code}: ` : ''}${error.message}`
    return text.length > 1000 ? `${text.slice(0, 1000)}…` : text
  }
  return String(error).slice(0, 1000)
}
