export interface BackoffPolicy {
  baseMs: number
  maxMs: number
}

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential growth from baseMs,
 * capped at maxMs, with "equal jitter" — half the delay is fixed, half is random — so that
 * many jobs failing together do not all come back at the same instant, yet none retries
 * almost immediately.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 52))
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent)
  const half = ceiling / 2
  return Math.round(half + random() * half)
}
