import type { HttpExchange } from '../../core/outcome.js'

/** One HTTP exchange as the classifiers see it, plus the response headers when there was one. */
export type ExchangeResult = HttpExchange & { headers?: Headers }

export type ExchangeInit = RequestInit & {
  /** Limit for the whole exchange, response body included. */
  timeoutMs: number
}

/**
 * Performs one request with Node's fetch and never throws: when no complete answer arrives
 * (refused, reset, DNS, timeout, aborted, body cut off) the result is `{ error }` without a
 * status, which the classifiers treat as "retry". A response body is parsed as JSON when it looks
 * like JSON and kept as text otherwise; an empty body is `undefined`.
 *
 * A response whose body could not be read completely counts as no answer: acting on a status
 * without its body (for instance a 200 whose `errors[]` was lost) would be a guess.
 */
export async function exchange(url: string, init: ExchangeInit): Promise<ExchangeResult> {
  const { timeoutMs, signal, ...rest } = init
  const timeout = AbortSignal.timeout(timeoutMs)
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
  let response: Response
  let text: string
  try {
    response = await fetch(url, { ...rest, signal: combined })
    text = await response.text()
  } catch (error) {
    return { error }
  }
  return {
    status: response.status,
    body: parseBody(text, response.headers.get('content-type')),
    retryAfter: response.headers.get('retry-after'),
    headers: response.headers
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text.trim() === '') return undefined
  const first = text.trimStart()[0]
  const looksJson =
    (contentType ?? '').toLowerCase().includes('json') || first === '{' || first === '['
  if (!looksJson) return text
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
