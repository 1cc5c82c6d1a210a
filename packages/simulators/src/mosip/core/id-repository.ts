/**
 * MOSIP ID repository: the identity update `PATCH /idrepository/v1/identity/`, as far as it
 * changes an identity's status (what MOSIP's Java mediator for OpenCRVS does on a death:
 * `{"id":"mosip.id.update","version":"v1.0","requesttime":…,"request":{"registrationId":<rid>,
 * "status":"DEACTIVATED","identity":{"IDSchemaVersion":0.0,"UIN":"<uin>"}}}`).
 *
 * The identities are the shared store's: those the processing pipeline issued and any seeded
 * (IDA reads the same records, so a deactivated UIN stops authenticating). Errors come inside the kernel
 * response wrapper with HTTP 200, with the codes of `IdRepoErrorConstants`: `IDR-IDC-001`
 * (a missing value), `IDR-IDC-002` (an invalid `id`, `version`, `requesttime` or `status`),
 * `IDR-IDC-003` (no JSON object), `IDR-IDC-007` (no identity has this UIN). A status the
 * identity already has is accepted again and changes nothing (`statusChanges` records only
 * real changes; `updates` records every accepted request).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  MOSIP_IDENTITY_STATUS,
  MOSIP_IDREPO_ERROR_CODES,
  MOSIP_IDREPO_IDENTITY_PATH,
  MOSIP_IDREPO_UPDATE_ID,
  MOSIP_IDREPO_UPDATE_VERSION
} from '@mosip-bridge/contracts'
import type { SimServer } from '../../shared/sim-server.js'
import type { AuthManager } from './auth-manager.js'
import type { IdentityStore } from './identity-store.js'
import { isPlainObject, mosipEnvelope, parseMosipTimestamp, type MosipErrorEntry } from './wire.js'

export const ID_REPOSITORY_SERVICE = 'id-repository'

/** Roles allowed to update identities (deployment config; the registration processor's among them). */
export const IDREPO_UPDATE_ROLES: readonly string[] = [
  'REGISTRATION_PROCESSOR',
  'ID_REPOSITORY_ADMIN',
  'GLOBAL_ADMIN'
]

const STATUSES = new Set<string>(Object.values(MOSIP_IDENTITY_STATUS))

/** One accepted identity update: which identity, to what status, for which registration. */
export interface IdentityUpdate {
  uin: string
  status: string
  registrationId?: string
  at: string
  /** Whether the status changed (false: the identity already had it). */
  changed: boolean
}

export class IdRepository {
  /** Every accepted update, oldest first. */
  readonly updates: IdentityUpdate[] = []

  constructor(sim: SimServer, options: { auth: AuthManager; identities: IdentityStore }) {
    const route = {
      config: { service: ID_REPOSITORY_SERVICE },
      preHandler: options.auth.requireAuth(IDREPO_UPDATE_ROLES)
    }
    const handler = async (request: FastifyRequest, reply: FastifyReply) =>
      this.update(options.identities, request, reply)
    sim.app.patch(MOSIP_IDREPO_IDENTITY_PATH, route, handler)
    sim.app.patch(MOSIP_IDREPO_IDENTITY_PATH.replace(/\/$/, ''), route, handler)
  }

  private answer(reply: FastifyReply, response: unknown, error?: MosipErrorEntry): FastifyReply {
    return reply.send(
      mosipEnvelope({
        id: MOSIP_IDREPO_UPDATE_ID,
        version: MOSIP_IDREPO_UPDATE_VERSION,
        response: error ? null : response,
        errors: error ? [error] : []
      })
    )
  }

  private update(
    identities: IdentityStore,
    request: FastifyRequest,
    reply: FastifyReply
  ): FastifyReply {
    const body = request.body
    const missing = (field: string): MosipErrorEntry => ({
      errorCode: MOSIP_IDREPO_ERROR_CODES.missingInput,
      message: `Missing Input Parameter - ${field}`
    })
    const invalid = (field: string): MosipErrorEntry => ({
      errorCode: MOSIP_IDREPO_ERROR_CODES.invalidInput,
      message: `Invalid Input Parameter - ${field}`
    })
    if (!isPlainObject(body)) {
      return this.answer(reply, null, {
        errorCode: MOSIP_IDREPO_ERROR_CODES.invalidRequest,
        message: 'Invalid Request'
      })
    }
    if (body.id === undefined || body.id === null) return this.answer(reply, null, missing('id'))
    if (body.id !== MOSIP_IDREPO_UPDATE_ID) return this.answer(reply, null, invalid('id'))
    if (body.version === undefined || body.version === null) {
      return this.answer(reply, null, missing('version'))
    }
    if (body.version !== MOSIP_IDREPO_UPDATE_VERSION) {
      return this.answer(reply, null, invalid('version'))
    }
    if (body.requesttime === undefined || body.requesttime === null) {
      return this.answer(reply, null, missing('requesttime'))
    }
    if (parseMosipTimestamp(body.requesttime) === undefined) {
      return this.answer(reply, null, invalid('requesttime'))
    }
    const inner = body.request
    if (!isPlainObject(inner)) return this.answer(reply, null, missing('request'))
    const identity = inner.identity
    const uin = isPlainObject(identity) ? identity.UIN : undefined
    if (typeof uin !== 'string' || uin === '') return this.answer(reply, null, missing('UIN'))
    const status = inner.status
    if (status !== undefined && (typeof status !== 'string' || !STATUSES.has(status))) {
      return this.answer(reply, null, invalid('status'))
    }
    const registrationId =
      typeof inner.registrationId === 'string' ? inner.registrationId : undefined
    // Only a UIN names an identity here (a VID is resolved by the caller first).
    const found = identities.resolve(uin, 'UIN')
    if (!found) {
      return this.answer(reply, null, {
        errorCode: MOSIP_IDREPO_ERROR_CODES.noRecordFound,
        message: 'No Record(s) found'
      })
    }
    const changed = status !== undefined && status !== found.status
    if (status !== undefined) identities.setStatus(uin, status, registrationId)
    // The update's time is the change's when there was one.
    const at = (changed ? found.statusChanges.at(-1)?.at : undefined) ?? new Date().toISOString()
    this.updates.push({
      uin,
      status: found.status,
      at,
      changed,
      ...(registrationId ? { registrationId } : {})
    })
    return this.answer(reply, { status: found.status, identity: null, documents: null })
  }
}
