/**
 * When to try a request to the bridge again, and how long to wait. Only failures that may pass
 * are retried: no answer (network error, timeout) and 5xx. Retrying is safe because the bridge
 * deduplicates a registration on the OpenCRVS action its token is bound to.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. Default 2 (three attempts in all). */
  retries: number
  /** First delay; doubles each retry. Default 250 ms. */
  baseDelayMs: number
  /** Largest delay, also the cap on a server's `Retry-After`. Default 2000 ms. */
  maxDelayMs: number
  /** Source of jitter in [0, 1) (default Math.random). */
  random: () => number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 2,
  baseDelayMs: 250,
  maxDelayMs: 2000,
  random: Math.random
}

/** Whether an HTTP status is worth retrying (5xx only: 4xx is the caller's mistake). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 && status <= 599
}

/** `Retry-After` in milliseconds (delta-seconds or an HTTP date), if present and sane. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * Delay before retry number `retry` (1-based): exponential from `baseDelayMs` with "equal
 * jitter" (between half and all of it), capped at `maxDelayMs`; a server's `Retry-After` wins
 * when given, within the same cap.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, retryAfter?: number): number {
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxDelayMs)
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
  return Math.round(exponential / 2 + (policy.random() * exponential) / 2)
}
