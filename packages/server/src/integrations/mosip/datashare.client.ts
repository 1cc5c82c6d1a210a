import { MOSIP_AUTH_COOKIE } from '@mosip-bridge/contracts'
import { classifyDataShareFetch } from '../../core/datashare.js'
import type { Outcome } from '../../core/outcome.js'
import type { DataShareGateway } from '../../core/ports.js'
import { exchange, type FetchLike } from '../http-exchange.js'
import type { MosipTokenSource } from './auth-token.js'

export interface DataShareClientOptions {
  allowedOrigins: readonly string[]
  maxBytes: number
  /**
   * The CRVS partner's login (the WebSub client): MOSIP's own partners (the print service) send
   * their auth-manager token with a datashare GET, and deployments whose datashare checks it
   * answer KER-ATH-401 without one; a datashare that does not check it ignores the cookie.
   */
  tokens: MosipTokenSource
  timeoutMs: number
  fetch?: FetchLike
  clock?: () => number
}

/**
 * Reads credentials shared by reference from MOSIP's datashare: one GET per call, with a
 * timeout, a size limit (the body is not read past it) and no redirects followed (a redirect
 * could leave the allowed origins). Callers check the origin first (`checkDataShareUri`).
 */
export class MosipDataShareClient implements DataShareGateway {
  readonly allowedOrigins: readonly string[]

  constructor(private readonly options: DataShareClientOptions) {
    this.allowedOrigins = options.allowedOrigins
  }

  fetch(url: URL, signal?: AbortSignal): Promise<Outcome<string>> {
    const clock = this.options.clock ?? Date.now
    return this.options.tokens.withToken(async (token) =>
      classifyDataShareFetch(
        await exchange(url, {
          method: 'GET',
          headers: { Cookie: `${MOSIP_AUTH_COOKIE}=${token}` },
          timeoutMs: this.options.timeoutMs,
          maxResponseBytes: this.options.maxBytes,
          followRedirects: false,
          ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
          ...(signal ? { signal } : {})
        }),
        clock()
      )
    )
  }
}
