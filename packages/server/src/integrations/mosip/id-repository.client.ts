import {
  MOSIP_AUTH_COOKIE,
  MOSIP_IDENTITY_STATUS,
  MOSIP_IDREPO_UPDATE_ID,
  MOSIP_IDREPO_UPDATE_VERSION,
  type MosipIdentityStatusUpdate
} from '@mosip-bridge/contracts'
import { classifyMosip } from '../../core/mosip-outcome.js'
import { ok, type Outcome } from '../../core/outcome.js'
import { mosipRequestTime } from '../../core/packet-envelope.js'
import type { MosipIdentityGateway } from '../../core/ports.js'
import type { MosipTokenSource } from './auth-token.js'
import { exchange } from '../http-exchange.js'

interface MosipIdRepositoryClientOptions {
  /** `PATCH …/idrepository/v1/identity/` (MOSIP_IDREPO_URL). */
  url: string
  /** Tokens of the ID repository client (MOSIP_IDREPO_AUTH_CLIENT_*). */
  tokens: MosipTokenSource
  /** `IDSchemaVersion` of the identity object (MOSIP_PACKET_SCHEMA_VERSION). */
  schemaVersion: string
  /** Timeout of one call; default 30 s. */
  timeoutMs?: number
  clock?: () => number
}

/**
 * The ID repository's identity update, used only to deactivate a deceased person's UIN, as
 * MOSIP's Java mediator for OpenCRVS does (reference notes, mosip.md §8 "Death"): `PATCH
 * /idrepository/v1/identity/` with `{id: "mosip.id.update", version: "v1.0", requesttime,
 * request: {registrationId, status: "DEACTIVATED", identity: {IDSchemaVersion, UIN}}}` and the
 * auth manager's token in the `Authorization` cookie, like every MOSIP call.
 *
 * The answer goes through `classifyMosip` (errors inside HTTP 200, a refused token tried once
 * more with a fresh one). The UIN goes only into the request body: it is never part of an
 * outcome's reason, which is logged and stored.
 */
export class MosipIdRepositoryClient implements MosipIdentityGateway {
  readonly #url: string
  readonly #tokens: MosipTokenSource
  readonly #schemaVersion: number | string
  readonly #timeoutMs: number
  readonly #clock: () => number

  constructor(options: MosipIdRepositoryClientOptions) {
    this.#url = options.url
    this.#tokens = options.tokens
    // The mediator sends IDSchemaVersion as a JSON number (0.0); a version that is not a
    // number is sent as configured.
    const version = Number(options.schemaVersion)
    this.#schemaVersion = Number.isFinite(version) ? version : options.schemaVersion
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#clock = options.clock ?? Date.now
  }

  deactivate(input: { uin: string; registrationId: string }): Promise<Outcome<void>> {
    return this.#tokens.withToken(async (token) => {
      const body: MosipIdentityStatusUpdate = {
        id: MOSIP_IDREPO_UPDATE_ID,
        version: MOSIP_IDREPO_UPDATE_VERSION,
        requesttime: mosipRequestTime(this.#clock()),
        request: {
          registrationId: input.registrationId,
          status: MOSIP_IDENTITY_STATUS.deactivated,
          identity: { IDSchemaVersion: this.#schemaVersion, UIN: input.uin }
        }
      }
      const answer = await exchange(this.#url, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', Cookie: `${MOSIP_AUTH_COOKIE}=${token}` },
        body: JSON.stringify(body),
        timeoutMs: this.#timeoutMs,
        call: { partner: 'id_repository', operation: 'deactivate_identity' }
      })
      const outcome = classifyMosip(answer, this.#clock(), updated)
      return outcome.kind === 'ok' ? ok(undefined) : outcome
    })
  }
}

/**
 * Any response object means the identity was updated (the ID repository answers with the
 * identity's new status; MOSIP also accepts a status it already has). Undefined otherwise.
 */
function updated(response: unknown): true | undefined {
  return typeof response === 'object' && response !== null ? true : undefined
}
