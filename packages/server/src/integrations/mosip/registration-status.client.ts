import {
  MOSIP_AUTH_COOKIE,
  MOSIP_STATUS_ERROR_CODES,
  MOSIP_STATUS_SEARCH_MAX_IDS,
  mosipRegistrationStatusSchema
} from '@mosip-bridge/contracts'
import { classifyMosip, type MosipErrorEntry } from '../../core/mosip-outcome.js'
import { ok, type Outcome } from '../../core/outcome.js'
import { buildExternalStatusEnvelope, mosipRequestTime } from '../../core/packet-envelope.js'
import type { MosipStatusGateway, MosipStatusResult } from '../../core/ports.js'
import type { MosipTokenSource } from './auth-token.js'
import { exchange } from '../http-exchange.js'

interface MosipRegistrationStatusClientOptions {
  /** `POST …/registrationprocessor/v1/registrationstatus/externalstatus/search` (MOSIP_STATUS_URL). */
  url: string
  /** Tokens of the status client (MOSIP_STATUS_AUTH_CLIENT_*). */
  tokens: MosipTokenSource
  /** Ids per call; default and maximum `MOSIP_STATUS_SEARCH_MAX_IDS` (100). */
  batchSize?: number
  /** Timeout of one call; default 30 s. */
  timeoutMs?: number
  clock?: () => number
}

/** Code of a per-id result for an id MOSIP's answer did not mention at all. */
export const MOSIP_STATUS_NOT_REPORTED = 'MOSIP_STATUS_NOT_REPORTED'

/**
 * MOSIP's external status search (`registrationstatus/externalstatus/search`), which reports
 * `REJECTED`, `REREGISTER` and `REPROCESS_FAILED` as such (`/search` reports them as `PROCESSED`).
 *
 * Ids are asked at most `batchSize` per call, one call after the other. Every answer is classified
 * by `classifyMosip`: entries of `errors[]` that name a registration id are results for that id
 * (`RPR-RGS-031`: MOSIP does not know it); any other error fails the call. When MOSIP refuses the
 * token, the token is invalidated and the call made once more with a fresh one. The first call
 * that fails ends the search: its outcome is returned and the results of earlier calls are
 * dropped, so the caller asks again for all of them.
 */
export class MosipRegistrationStatusClient implements MosipStatusGateway {
  readonly #url: string
  readonly #tokens: MosipTokenSource
  readonly #batchSize: number
  readonly #timeoutMs: number
  readonly #clock: () => number

  constructor(options: MosipRegistrationStatusClientOptions) {
    this.#url = options.url
    this.#tokens = options.tokens
    const batchSize = options.batchSize ?? MOSIP_STATUS_SEARCH_MAX_IDS
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MOSIP_STATUS_SEARCH_MAX_IDS) {
      throw new RangeError(`batchSize must be an integer from 1 to ${MOSIP_STATUS_SEARCH_MAX_IDS}`)
    }
    this.#batchSize = batchSize
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#clock = options.clock ?? Date.now
  }

  async statusOf(registrationIds: readonly string[]): Promise<Outcome<MosipStatusResult[]>> {
    const ids = [...new Set(registrationIds)]
    const results: MosipStatusResult[] = []
    for (let start = 0; start < ids.length; start += this.#batchSize) {
      const outcome = await this.#search(ids.slice(start, start + this.#batchSize))
      if (outcome.kind !== 'ok') return outcome
      results.push(...outcome.value)
    }
    return ok(results)
  }

  #search(ids: string[]): Promise<Outcome<MosipStatusResult[]>> {
    return this.#tokens.withToken(async (token) => {
      const envelope = buildExternalStatusEnvelope(ids, mosipRequestTime(this.#clock()))
      const answer = await exchange(this.#url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: `${MOSIP_AUTH_COOKIE}=${token}` },
        body: JSON.stringify(envelope),
        timeoutMs: this.#timeoutMs,
        call: { partner: 'registration_status', operation: 'external_status_search' }
      })
      return classifyMosip(
        answer,
        this.#clock(),
        (response, itemErrors) => interpretStatuses(ids, response, itemErrors),
        { isItemError: namesRegistration }
      )
    })
  }
}

/** An `errors[]` entry about one registration id rather than the whole request. */
function namesRegistration(entry: MosipErrorEntry): boolean {
  return typeof entry.registrationId === 'string' && entry.registrationId !== ''
}

/**
 * The statuses MOSIP reported, one result per asked id in the asked order: a status from
 * `response[]` first, else the id's entry in `errors[]`, else `MOSIP_STATUS_NOT_REPORTED`.
 * Entries for ids not asked are ignored. Undefined (not usable) when `response` is neither a
 * list nor, with item errors only, null.
 */
function interpretStatuses(
  ids: string[],
  response: unknown,
  itemErrors: MosipErrorEntry[]
): MosipStatusResult[] | undefined {
  if (response !== null && !Array.isArray(response)) return undefined
  const statuses = new Map<string, string>()
  for (const entry of response ?? []) {
    const parsed = mosipRegistrationStatusSchema.safeParse(entry)
    if (parsed.success && !statuses.has(parsed.data.registrationId)) {
      statuses.set(parsed.data.registrationId, parsed.data.statusCode)
    }
  }
  const errors = new Map<string, MosipErrorEntry>()
  for (const entry of itemErrors) {
    if (entry.registrationId && !errors.has(entry.registrationId)) {
      errors.set(entry.registrationId, entry)
    }
  }
  return ids.map((registrationId): MosipStatusResult => {
    const status = statuses.get(registrationId)
    if (status !== undefined) return { registrationId, status }
    const error = errors.get(registrationId)
    if (error?.errorCode === MOSIP_STATUS_ERROR_CODES.ridNotFound) {
      return { registrationId, unknown: true }
    }
    if (error) {
      return {
        registrationId,
        error: {
          code: error.errorCode ?? 'MOSIP_ERROR',
          message: error.errorMessage ?? error.message ?? ''
        }
      }
    }
    return {
      registrationId,
      error: { code: MOSIP_STATUS_NOT_REPORTED, message: 'MOSIP answered without this id' }
    }
  })
}
