import { errorCode } from './error-code.js'

/**
 * The result of one call to a partner system, after classification: done, worth retrying
 * (optionally not before `afterMs`), or pointless to retry. Every outbound call of the bridge
 * ends in one of these, decided in one pure function per partner.
 */
export type Outcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'retry'; code: string; reason: string; afterMs?: number }
  | { kind: 'permanent'; code: string; reason: string }

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value })

export const retry = (code: string, reason: string, afterMs?: number): Outcome<never> =>
  afterMs === undefined ? { kind: 'retry', code, reason } : { kind: 'retry', code, reason, afterMs }

export const permanent = (code: string, reason: string): Outcome<never> => ({
  kind: 'permanent',
  code,
  reason
})

/** What an HTTP exchange produced, as the classifiers see it. */
export interface HttpExchange {
  /** Undefined when no response arrived (connection refused, reset, timeout). */
  status?: number
  /** Parsed JSON body, or the text when it was not JSON; undefined when there was none. */
  body?: unknown
  /** Value of a Retry-After header, if any. */
  retryAfter?: string | null
  /** The network error when no response arrived. */
  error?: unknown
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** The common part of every classifier: no answer, throttling and server errors retry. */
export function classifyTransport(
  exchange: HttpExchange,
  system: string,
  now: number
): Outcome<never> | undefined {
  if (exchange.status === undefined) {
    const error = exchange.error
    const detail =
      (error instanceof Error ? errorCode(error.cause) : undefined) ??
      errorCode(error) ??
      (error instanceof Error ? error.name : 'network error')
    return retry(`${system}_UNREACHABLE`, `${system} did not answer (${detail})`)
  }
  if (exchange.status === 429) {
    return retry(
      `${system}_THROTTLED`,
      `${system} answered 429`,
      retryAfterMs(exchange.retryAfter, now)
    )
  }
  if (exchange.status >= 500) {
    return retry(
      `${system}_HTTP_${exchange.status}`,
      `${system} answered HTTP ${exchange.status}`,
      retryAfterMs(exchange.retryAfter, now)
    )
  }
  return undefined
}
