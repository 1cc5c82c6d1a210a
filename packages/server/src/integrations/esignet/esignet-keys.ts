/**
 * E-Signet's signing keys, to verify userinfo: the JWKS at `ESIGNET_JWKS_URL` when it is set,
 * otherwise the `jwks_uri` of the provider's `.well-known/openid-configuration`, otherwise
 * `<origin>/.well-known/jwks.json`. Found on first use (E-Signet may be down when the bridge
 * starts), cached, and fetched again when a token names a key the cache does not hold or does not
 * verify (key rotation), at most once per cooldown.
 *
 * Every key of the JWKS may sign userinfo: in MOSIP deployments the userinfo JWS is signed by
 * IDA's key, which E-Signet publishes beside its own. The key is the one whose `kid` the JWS
 * header names (jose's local JWK set matches `kid`, `alg` and `use`); a `kid` the JWKS does not
 * hold, even after one refresh, is refused. A JWS without `kid` is tried against each key its
 * algorithm fits.
 */
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey
} from 'jose'
import {
  classifyDocumentResponse,
  ESIGNET_CODES,
  esignetFailure,
  esignetOk,
  type EsignetFailure,
  type EsignetStep
} from '../../core/esignet-outcome.js'
import { joinUrl } from '../../core/join-url.js'
import type { Logger } from '../../observability/logger.js'
import { CachedValue, type Fetched } from '../cached-value.js'
import { exchange } from '../http-exchange.js'

/** Signature algorithms accepted on userinfo (eSignet signs PS256 by default). */
const USERINFO_ALGORITHMS = ['PS256', 'RS256', 'PS384', 'RS384', 'PS512', 'RS512', 'ES256']

export interface EsignetKeysOptions {
  /** `ESIGNET_JWKS_URL`; undefined: discover it. */
  jwksUrl: string | undefined
  /** `ESIGNET_TOKEN_URL`: where the provider lives. */
  tokenUrl: string
  timeoutMs: number
  logger: Pick<Logger, 'info' | 'warn'>
  clock?: () => number
  /** How long a fetched JWKS is used before it is fetched again. Default 10 minutes. */
  maxAgeMs?: number
  /** Least time between two fetches forced by unknown keys or failed signatures. Default 30 s. */
  refreshCooldownMs?: number
  /** Clock skew accepted on `exp`/`nbf`/`iat` of userinfo. Default 60 s. */
  clockToleranceSec?: number
}

interface CachedKeySet {
  getKey: JWTVerifyGetKey
  fetchedAt: number
}

/** The provider's base (token URL without `/oauth/v2/token` or `/oauth/token`) and origin. */
export function providerLocations(tokenUrl: string): { base: string; origin: string } {
  const url = new URL(tokenUrl)
  const path = url.pathname.replace(/\/+$/, '').replace(/\/oauth(\/v2)?\/token$/, '')
  return { base: `${url.origin}${path}`, origin: url.origin }
}

/** Where the discovery document may be, most specific first. */
export function discoveryCandidates(tokenUrl: string): string[] {
  const { base, origin } = providerLocations(tokenUrl)
  const candidates = [
    joinUrl(base, '.well-known', 'openid-configuration'),
    joinUrl(base, 'oidc', '.well-known', 'openid-configuration'),
    joinUrl(origin, '.well-known', 'openid-configuration')
  ]
  return [...new Set(candidates.map((url) => url.href))]
}

const isHttpUrl = (value: unknown): value is string =>
  typeof value === 'string' &&
  URL.canParse(value) &&
  ['http:', 'https:'].includes(new URL(value).protocol)

type Attempt =
  | { ok: true; payload: JWTPayload }
  | { ok: false; retryable: boolean; detail: string; malformed: boolean; unknownKid?: string }

/** The JWS header's `kid`, when it names one (not secret: it identifies a public key). */
function kidOf(jws: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(jws)
    return typeof kid === 'string' ? kid : undefined
  } catch {
    return undefined
  }
}

export class EsignetKeys {
  private readonly options: EsignetKeysOptions
  private readonly clock: () => number
  private jwksUrl: string | undefined
  private readonly cached: CachedValue<CachedKeySet, EsignetFailure>
  private fetches = 0

  constructor(options: EsignetKeysOptions) {
    this.options = options
    this.clock = options.clock ?? Date.now
    this.jwksUrl = options.jwksUrl
    this.cached = new CachedValue({
      fetch: (signal) => this.fetchKeySet(signal),
      clock: this.clock
    })
  }

  /** How many times the JWKS was fetched (tests, metrics). */
  get fetchCount(): number {
    return this.fetches
  }

  /** The JWKS URL in use, once known. */
  get resolvedJwksUrl(): string | undefined {
    return this.jwksUrl
  }

  /**
   * Verifies a compact JWS (a JWT) against E-Signet's keys: signature, algorithm, and the
   * `exp`/`nbf` claims when present. Failures are 502 (does not verify) or 503 (no keys).
   */
  async verify(jws: string, signal?: AbortSignal): Promise<EsignetStep<JWTPayload>> {
    const keys = await this.current(signal)
    if (!keys.ok) return keys
    let attempt = await this.attempt(jws, keys.value)
    if (!attempt.ok && attempt.retryable && this.mayRefresh(keys.value)) {
      const fresh = await this.cached.load(signal)
      if (!fresh.ok) return fresh
      attempt = await this.attempt(jws, fresh.value)
    }
    if (attempt.ok) return esignetOk(attempt.payload)
    if (attempt.unknownKid !== undefined) {
      return esignetFailure(
        502,
        ESIGNET_CODES.userinfoSignatureInvalid,
        `E-Signet's userinfo is signed with key ${JSON.stringify(attempt.unknownKid)}, which E-Signet's JWKS does not publish`,
        `${attempt.detail}: kid ${attempt.unknownKid}`
      )
    }
    return attempt.malformed
      ? esignetFailure(
          502,
          ESIGNET_CODES.userinfoInvalid,
          'E-Signet answered userinfo with a token that cannot be read',
          attempt.detail
        )
      : esignetFailure(
          502,
          ESIGNET_CODES.userinfoSignatureInvalid,
          "E-Signet's userinfo does not verify against E-Signet's published keys",
          attempt.detail
        )
  }

  /** Keys fetched within the cooldown are not fetched again for an unknown key or signature. */
  private mayRefresh(keys: CachedKeySet): boolean {
    return this.clock() - keys.fetchedAt >= (this.options.refreshCooldownMs ?? 30_000)
  }

  private async attempt(jws: string, keys: CachedKeySet): Promise<Attempt> {
    const options = {
      algorithms: USERINFO_ALGORITHMS,
      clockTolerance: this.options.clockToleranceSec ?? 60,
      currentDate: new Date(this.clock())
    }
    try {
      const { payload } = await jwtVerify(jws, keys.getKey, options)
      return { ok: true, payload }
    } catch (error) {
      // No `kid` and several keys fit the algorithm: the one that verifies is the signer.
      if (error instanceof joseErrors.JWKSMultipleMatchingKeys) {
        let last: unknown = error
        for await (const key of error) {
          try {
            const { payload } = await jwtVerify(jws, key, options)
            return { ok: true, payload }
          } catch (keyError) {
            last = keyError
            if (!(keyError instanceof joseErrors.JWSSignatureVerificationFailed)) break
          }
        }
        return this.failureOf(jws, last)
      }
      return this.failureOf(jws, error)
    }
  }

  private failureOf(jws: string, error: unknown): Attempt {
    if (error instanceof joseErrors.JWKSNoMatchingKey) {
      const kid = kidOf(jws)
      return {
        ok: false,
        retryable: true,
        malformed: false,
        detail: error.code,
        ...(kid !== undefined ? { unknownKid: kid } : {})
      }
    }
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
      return { ok: false, retryable: true, malformed: false, detail: error.code }
    }
    if (error instanceof joseErrors.JOSEAlgNotAllowed) {
      return { ok: false, retryable: false, malformed: false, detail: error.code }
    }
    if (error instanceof joseErrors.JOSEError) {
      return { ok: false, retryable: false, malformed: true, detail: error.code }
    }
    return { ok: false, retryable: false, malformed: true, detail: 'unverifiable' }
  }

  /** The cached key set, loaded (one fetch for concurrent callers) when absent or older than maxAge. */
  private async current(signal?: AbortSignal): Promise<EsignetStep<CachedKeySet>> {
    const held = this.cached.peek()
    const loaded = await this.cached.get(signal)
    // An E-Signet that is briefly unreachable does not invalidate keys we already hold.
    if (!loaded.ok && held) return esignetOk(held)
    return loaded
  }

  /** Fetches the JWKS, finding its URL first if needed. */
  private async fetchKeySet(signal?: AbortSignal): Promise<Fetched<CachedKeySet, EsignetFailure>> {
    const url = this.jwksUrl ?? (await this.discover(signal))
    if (typeof url !== 'string') return url
    this.fetches++
    const document = classifyDocumentResponse(
      await exchange(url, this.request('jwks', signal)),
      this.clock()
    )
    if (!document.ok) return document
    let getKey: JWTVerifyGetKey
    try {
      getKey = createLocalJWKSet(document.value as unknown as JSONWebKeySet)
    } catch (error) {
      return esignetFailure(
        503,
        ESIGNET_CODES.keysUnavailable,
        "E-Signet's signing keys are unavailable; try again later",
        error instanceof joseErrors.JOSEError ? error.code : 'not a JWKS'
      )
    }
    this.jwksUrl ??= url
    const fetchedAt = this.clock()
    return {
      ok: true,
      value: { getKey, fetchedAt },
      renewAt: fetchedAt + (this.options.maxAgeMs ?? 600_000)
    }
  }

  /**
   * The `jwks_uri` of the first discovery document found, else `<origin>/.well-known/jwks.json`.
   * When E-Signet cannot be reached at all, a 503 failure (nothing is cached).
   */
  private async discover(signal?: AbortSignal): Promise<string | EsignetStep<never>> {
    let reachable = false
    let lastFailure: EsignetStep<never> | undefined
    for (const candidate of discoveryCandidates(this.options.tokenUrl)) {
      const result = await exchange(candidate, this.request('discovery', signal))
      if (result.status !== undefined && result.status < 500) reachable = true
      const document = classifyDocumentResponse(result, this.clock())
      if (!document.ok) {
        lastFailure = document
        continue
      }
      const jwksUri = document.value.jwks_uri
      if (isHttpUrl(jwksUri)) {
        this.options.logger.info({ discovery: candidate, jwksUri }, 'E-Signet JWKS discovered')
        return jwksUri
      }
    }
    if (!reachable && lastFailure) return lastFailure
    const { origin } = providerLocations(this.options.tokenUrl)
    const fallback = joinUrl(origin, '.well-known', 'jwks.json').href
    this.options.logger.warn(
      { jwksUri: fallback },
      'no E-Signet discovery document found: using the default JWKS location (set ESIGNET_JWKS_URL to choose)'
    )
    return fallback
  }

  private request(operation: string, signal?: AbortSignal) {
    return {
      method: 'GET',
      call: { partner: 'esignet' as const, operation },
      headers: { accept: 'application/json' },
      timeoutMs: this.options.timeoutMs,
      ...(signal ? { signal } : {})
    }
  }
}
