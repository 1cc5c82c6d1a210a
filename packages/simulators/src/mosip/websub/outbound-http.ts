/**
 * The hub's outbound HTTP: one request to a subscriber, with a timeout, reporting either the
 * answer or a connection-level failure (what Ballerina's retry client retries). node:http is used
 * rather than fetch so the request line is sent exactly as built (the hub does not URL-encode
 * query values) and no headers are added behind our back.
 */
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders
} from 'node:http'
import { request as httpsRequest } from 'node:https'

export type HttpOutcome =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: string }
  /** No HTTP answer: refused, reset, DNS failure, timeout, or the hub was closed meanwhile. */
  | { kind: 'error'; error: string; code: string }

interface OutboundRequest {
  method: 'GET' | 'POST'
  /** Absolute URL; only its origin is used to connect. */
  url: URL
  /** Request target sent as is (path and query). */
  target: string
  headers?: OutgoingHttpHeaders
  body?: Buffer
  timeoutMs: number
  signal?: AbortSignal
}

export function send(options: OutboundRequest): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    let settled = false
    const finish = (outcome: HttpOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      resolve(outcome)
    }
    const secure = options.url.protocol === 'https:'
    if (!secure && options.url.protocol !== 'http:') {
      resolve({ kind: 'error', error: `unsupported URL ${options.url.href}`, code: 'EPROTO' })
      return
    }
    const headers: OutgoingHttpHeaders = { 'user-agent': 'ballerina', ...options.headers }
    if (options.body !== undefined) headers['content-length'] = options.body.length
    let req: ReturnType<typeof httpRequest>
    try {
      req = (secure ? httpsRequest : httpRequest)({
        protocol: options.url.protocol,
        hostname: options.url.hostname.replace(/^\[|\]$/g, ''),
        port: options.url.port === '' ? undefined : Number(options.url.port),
        method: options.method,
        path: options.target,
        headers,
        agent: false
      })
    } catch (error) {
      resolve({ kind: 'error', error: messageOf(error), code: codeOf(error) ?? 'EINVAL' })
      return
    }
    const timer = setTimeout(() => {
      finish({ kind: 'error', error: `timed out after ${options.timeoutMs} ms`, code: 'ETIMEDOUT' })
      req.destroy()
    }, options.timeoutMs)
    const onAbort = () => {
      finish({ kind: 'error', error: 'hub closed', code: 'EABORTED' })
      req.destroy()
    }
    if (options.signal?.aborted) {
      onAbort()
      return
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    req.on('error', (error) =>
      finish({ kind: 'error', error: messageOf(error), code: codeOf(error) ?? 'ECONNERROR' })
    )
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', (error) =>
        finish({ kind: 'error', error: messageOf(error), code: codeOf(error) ?? 'ECONNRESET' })
      )
      res.on('end', () =>
        finish({
          kind: 'response',
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8')
        })
      )
    })
    req.end(options.body)
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
