/**
 * One HTTP call to OpenCRVS with a timeout, turned into the HttpExchange the classifiers read.
 * Never throws: a missing answer is an exchange without a status.
 */
import type { HttpExchange } from '../../core/outcome.js'

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>

export interface TextExchange extends HttpExchange {
  /** The body as text, when a response arrived. */
  text?: string
}

/**
 * An error that says what timed out, with a code the transport classifier shows. (The
 * DOMException fetch throws carries the numeric legacy `code` 23, hence no `cause` here.)
 */
function timeoutError(url: string | URL, timeoutMs: number): Error {
  const error = new Error(`no answer from ${new URL(url).origin} within ${timeoutMs} ms`)
  return Object.assign(error, { name: 'TimeoutError', code: 'TIMEOUT' })
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'TimeoutError' || name === 'AbortError'
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/**
 * Sends `init` to `url`, reading the whole body under the same deadline. The body is parsed as
 * JSON when it is JSON, kept as text otherwise (`text` always has the raw text).
 */
export async function exchangeHttp(
  fetchImpl: FetchLike,
  url: string | URL,
  init: RequestInit,
  timeoutMs: number
): Promise<TextExchange> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const response = await fetchImpl(url, { ...init, signal })
    const text = await response.text()
    return {
      status: response.status,
      body: parseBody(text),
      text,
      retryAfter: response.headers.get('retry-after')
    }
  } catch (error) {
    return { error: isTimeout(error) ? timeoutError(url, timeoutMs) : error }
  }
}
