/**
 * How a job fails: what a job handler can say besides succeeding (returning) or failing for an
 * unknown reason (throwing anything else, which is retried with backoff until the attempts run
 * out), and the queue's decision after a failed attempt.
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

/** Retrying cannot help: the job goes straight to the dead state for an operator to see. */
export class PermanentFailure extends Error {
  readonly code: string
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { cause: options?.cause })
    this.name = 'PermanentFailure'
    this.code = options?.code ?? 'PERMANENT_FAILURE'
  }
}

type FailureDecision = { kind: 'retry'; delayMs: number } | { kind: 'dead'; reason: string }

/** Pure decision after a failed attempt. `attempts` counts the attempt that just failed. */
export function decideAfterFailure(
  error: unknown,
  attempts: number,
  maxAttempts: number,
  backoff: (attempt: number) => number
): FailureDecision {
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
