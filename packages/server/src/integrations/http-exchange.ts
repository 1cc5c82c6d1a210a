import http from 'node:http'
import https from 'node:https'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import type { HttpExchange } from '../core/outcome.js'

/** `fetch`'s signature, injectable for tests. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>

/** One HTTP exchange as the classifiers see it, plus the raw text and headers of a response. */
export type ExchangeResult = HttpExchange & {
  headers?: Headers
  text?: string
  /** The body was larger than `maxResponseBytes`: it was not read (no `body`, no `text`). */
  tooLarge?: boolean
}

/**
 * Which partner system a call goes to and what it asks, for the metrics: a small fixed set of
 * names (never ids), so that the label cardinality stays bounded.
 */
export interface PartnerCall {
  partner: PartnerName
  operation: string
}

export type PartnerName =
  | 'mosip_auth'
  | 'packet_manager'
  | 'registration_processor'
  | 'registration_status'
  | 'id_repository'
  | 'websub'
  | 'ida'
  | 'esignet'
  | 'opencrvs'
  | 'opencrvs_auth'
  | 'other'

/** How a call ended, as the partner-call metrics count it. */
export type CallOutcome = 'ok' | 'client_error' | 'server_error' | 'timeout' | 'network'

export const CALL_OUTCOMES: readonly CallOutcome[] = [
  'ok',
  'client_error',
  'server_error',
  'timeout',
  'network'
]

/** Told about every finished partner call (see `observeExchanges`). */
export type ExchangeObserver = (call: PartnerCall, outcome: CallOutcome, seconds: number) => void

type ExchangeInit = RequestInit & {
  /** Limit for the whole exchange, response body included. */
  timeoutMs: number
  /** Defaults to the global fetch. */
  fetch?: FetchLike
  /** Which partner and operation, for the metrics; unlabelled calls count as `other`. */
  call?: PartnerCall
  /**
   * Largest response body read, in bytes (after content decoding); a larger one ends the
   * exchange with `tooLarge` and its status. Unlimited when unset.
   */
  maxResponseBytes?: number
  /** False: a redirect is returned as it is (its status, no body) instead of being followed. */
  followRedirects?: boolean
}

const observers = new Set<ExchangeObserver>()

/**
 * Every partner call goes through `exchange`, so this is the one place they are measured: the
 * observer hears of each finished call (partner, operation, outcome, duration). Returns the
 * function that stops the observation.
 */
export function observeExchanges(observer: ExchangeObserver): () => void {
  observers.add(observer)
  return () => observers.delete(observer)
}

/** HTTP answers by class; no answer as a timeout or a network failure. */
export function callOutcomeOf(result: ExchangeResult): CallOutcome {
  if (result.status !== undefined) {
    if (result.status >= 500) return 'server_error'
    return result.status >= 400 ? 'client_error' : 'ok'
  }
  const { name, code } = (result.error ?? {}) as { name?: unknown; code?: unknown }
  return name === 'TimeoutError' || code === 'TIMEOUT' ? 'timeout' : 'network'
}

const UNLABELLED: PartnerCall = { partner: 'other', operation: 'other' }

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
  const { call, ...request } = init
  if (observers.size === 0) return unobservedExchange(url, request)
  const started = performance.now()
  const result = await unobservedExchange(url, request)
  const seconds = (performance.now() - started) / 1000
  const outcome = callOutcomeOf(result)
  for (const observer of observers) {
    try {
      observer(call ?? UNLABELLED, outcome, seconds)
    } catch {
      // Measuring never changes the answer.
    }
  }
  return result
}

function unobservedExchange(url: string | URL, init: ExchangeInit): Promise<ExchangeResult> {
  if (init.fetch === undefined || init.fetch === nativeFetch) {
    const direct = directRequestOf(url, init)
    if (direct) {
      return directExchange(direct, init.timeoutMs, init.signal ?? undefined, {
        maxBytes: init.maxResponseBytes,
        followRedirects: init.followRedirects !== false
      })
    }
  }
  return fetchExchange(url, init)
}

async function fetchExchange(url: string | URL, init: ExchangeInit): Promise<ExchangeResult> {
  const {
    timeoutMs,
    signal,
    fetch: fetchImpl = fetch,
    maxResponseBytes,
    followRedirects,
    ...rest
  } = init
  const timeout = AbortSignal.timeout(timeoutMs)
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
  let response: Response
  let text: string
  try {
    response = await fetchImpl(url, {
      ...rest,
      ...(followRedirects === false ? { redirect: 'manual' as const } : {}),
      signal: combined
    })
    if (maxResponseBytes !== undefined && declaredLength(response.headers) > maxResponseBytes) {
      await response.body?.cancel()
      return { status: response.status, tooLarge: true, headers: response.headers }
    }
    text = await response.text()
  } catch (error) {
    return { error: isTimeout(error) && timeout.aborted ? timeoutError(url, timeoutMs) : error }
  }
  if (maxResponseBytes !== undefined && Buffer.byteLength(text) > maxResponseBytes) {
    return { status: response.status, tooLarge: true, headers: response.headers }
  }
  return {
    status: response.status,
    body: parseBody(text, response.headers.get('content-type')),
    text,
    retryAfter: response.headers.get('retry-after'),
    headers: response.headers
  }
}

/** The Content-Length a response declares, or 0. */
function declaredLength(headers: Headers): number {
  const value = Number(headers.get('content-length'))
  return Number.isFinite(value) && value > 0 ? value : 0
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

/** The platform's fetch as it was when this module loaded (a test may replace the global). */
const nativeFetch = globalThis.fetch

/**
 * Partner calls go through these keep-alive agents rather than fetch when they can: fetch's
 * Request, web streams and abort signals cost several times the CPU of a plain node:http request,
 * on every call of the pipeline.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true })
}

interface DirectRequest {
  url: URL
  method: string
  headers: Record<string, string>
  body: string | undefined
}

/**
 * The request as node:http sends it, or undefined when it uses something only fetch does (a
 * body that is not a string, headers that are not a plain object, a fetch option).
 */
function directRequestOf(url: string | URL, init: ExchangeInit): DirectRequest | undefined {
  const {
    timeoutMs: _timeout,
    signal: _signal,
    fetch: _fetch,
    maxResponseBytes: _maxResponseBytes,
    followRedirects: _followRedirects,
    method,
    headers,
    body,
    ...rest
  } = init
  if (Object.keys(rest).length > 0) return undefined
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined
  if (headers !== undefined && Object.getPrototypeOf(headers) !== Object.prototype) return undefined
  const target = typeof url === 'string' ? new URL(url) : url
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return undefined
  const plain: Record<string, string> = {}
  for (const [name, value] of Object.entries((headers ?? {}) as Record<string, string>)) {
    plain[name.toLowerCase()] = value
  }
  // fetch sends these unless told otherwise; servers may rely on them.
  plain.accept ??= '*/*'
  plain['accept-encoding'] ??= 'gzip, deflate, br'
  if (typeof body === 'string') plain['content-length'] = String(Buffer.byteLength(body))
  return {
    url: target,
    method: (method ?? 'GET').toUpperCase(),
    headers: plain,
    body: body ?? undefined
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** What `exchange` does with fetch, on node:http: the same answers, the same failures. */
function directExchange(
  request: DirectRequest,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  limits: { maxBytes: number | undefined; followRedirects: boolean }
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    let settled = false
    const finish = (result: ExchangeResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(result)
    }
    const fail = (error: unknown) => {
      finish({ error })
      outgoing.destroy()
    }
    const onAbort = () => fail(signal?.reason ?? abortError())
    const timer = setTimeout(() => fail(timeoutError(request.url, timeoutMs)), timeoutMs)
    const transport = request.url.protocol === 'https:' ? https : http
    const outgoing = transport.request(request.url, {
      method: request.method,
      headers: request.headers,
      agent: agents[request.url.protocol as 'http:' | 'https:']
    })
    if (signal?.aborted) {
      onAbort()
      return
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    outgoing.on('error', (error) => finish({ error }))
    outgoing.on('response', (response) => {
      const status = response.statusCode ?? 0
      const tooLarge = () => {
        finish({ status, tooLarge: true })
        response.destroy()
        outgoing.destroy()
      }
      if (REDIRECTS.has(status) && !limits.followRedirects) {
        response.resume()
        finish({ status })
        return
      }
      if (REDIRECTS.has(status) && response.headers.location) {
        // fetch follows redirects; so does this, the rare way.
        response.resume()
        clearTimeout(timer)
        settled = true
        const target = new URL(response.headers.location, request.url)
        const init: ExchangeInit = {
          method: status === 303 ? 'GET' : request.method,
          headers: request.headers,
          timeoutMs,
          ...(limits.maxBytes !== undefined ? { maxResponseBytes: limits.maxBytes } : {}),
          ...(status !== 303 && request.body !== undefined ? { body: request.body } : {}),
          ...(signal ? { signal } : {})
        }
        void fetchExchange(target, init).then(resolve)
        return
      }
      const max = limits.maxBytes
      if (max !== undefined && Number(response.headers['content-length'] ?? 0) > max) {
        tooLarge()
        return
      }
      const chunks: Buffer[] = []
      let received = 0
      response.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (max !== undefined && received > max) tooLarge()
        else chunks.push(chunk)
      })
      response.on('error', (error) => finish({ error }))
      response.on('close', () => {
        if (settled) return
        // A body cut off is no answer: acting on a status without its body would be a guess.
        if (!response.complete) {
          finish({
            error: Object.assign(new Error('the response body was cut off'), { code: 'ECONNRESET' })
          })
          return
        }
        let text: string
        try {
          const bytes = decoded(Buffer.concat(chunks), response.headers['content-encoding'])
          if (max !== undefined && bytes.length > max) {
            finish({ status, tooLarge: true })
            return
          }
          text = bytes.toString('utf8')
        } catch (error) {
          finish({ error })
          return
        }
        const raw = response.rawHeaders
        let headers: Headers | undefined
        finish({
          status,
          body: parseBody(text, headerOf(response.headers['content-type'])),
          text,
          retryAfter: headerOf(response.headers['retry-after']),
          // Made when asked for: few callers read the headers.
          get headers(): Headers {
            if (!headers) {
              headers = new Headers()
              for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
            }
            return headers
          }
        })
      })
    })
    outgoing.end(request.body)
  })
}

function headerOf(value: string | string[] | undefined): string | null {
  if (value === undefined) return null
  return Array.isArray(value) ? value.join(', ') : value
}

function decoded(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return body
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body)
    case 'deflate':
      return inflateSync(body)
    case 'br':
      return brotliDecompressSync(body)
    default:
      throw new Error(`unsupported content-encoding ${encoding}`)
  }
}

function abortError(): Error {
  return Object.assign(new Error('the request was aborted'), { name: 'AbortError' })
}
