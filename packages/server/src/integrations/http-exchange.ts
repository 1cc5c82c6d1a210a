import type { HttpExchange } from '../core/outcome.js'

/** `fetch`'s signature, injectable for tests. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>

/** One HTTP exchange as the classifiers see it, plus the raw text and headers of a response. */
export type ExchangeResult = HttpExchange & { headers?: Headers; text?: string }

type ExchangeInit = RequestInit & {
  /** Limit for the whole exchange, response body included. */
  timeoutMs: number
  /** Defaults to the global fetch. */
  fetch?: FetchLike
}

/**
 * An error that says what timed out, with a code the transport classifier shows. (The
 * DOMException fetch throws carries the numeric legacy `code` 23, which says nothing.)
 */
function timeoutError(url: string | URL, timeoutMs: number): Error {
  const error = new Error(`no answer from ${new URL(url).origin} within ${timeoutMs} ms`)
  return Object.assign(error, { name: 'TimeoutError', code: 'TIMEOUT' })
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'TimeoutError' || name === 'AbortError'
}

/**
 * Performs one request and never throws: when no complete answer arrives (refused, reset, DNS,
 * timeout, aborted, body cut off) the result is `{ error }` without a status, which the
 * classifiers treat as "retry". A response body is parsed as JSON when it looks like JSON and
 * kept as text otherwise; an empty body is `undefined`; `text` always holds the raw text.
 *
 * A response whose body could not be read completely counts as no answer: acting on a status
 * without its body (for instance a 200 whose `errors[]` was lost) would be a guess.
 */
export async function exchange(url: string | URL, init: ExchangeInit): Promise<ExchangeResult> {
  const { timeoutMs, signal, fetch: fetchImpl = fetch, ...rest } = init
  const timeout = AbortSignal.timeout(timeoutMs)
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
  let response: Response
  let text: string
  try {
    response = await fetchImpl(url, { ...rest, signal: combined })
    text = await response.text()
  } catch (error) {
    return { error: isTimeout(error) && timeout.aborted ? timeoutError(url, timeoutMs) : error }
  }
  return {
    status: response.status,
    body: parseBody(text, response.headers.get('content-type')),
    text,
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
