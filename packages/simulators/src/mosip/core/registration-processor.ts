/**
 * MOSIP registration processor:
 *
 * - `POST /registrationprocessor/v1/workflowmanager/workflowinstance` (Vert.x, always HTTP 200):
 *   `id`/`version` must match the configured ones (case-insensitive) and `requesttime` must be
 *   exactly `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (`RPR-WIN-000` missing, `RPR-WIN-001` invalid); the
 *   packet must exist and the process be a configured main process (`RPR-WIS-000`); a second call
 *   for the same (registrationId, process) gets `RPR-WIS-001`. On success the registration is
 *   `RESUMABLE` at `PacketValidatorStage` and the processing pipeline takes over. As MOSIP's
 *   `Utilities` does, the keymanager reference the packet is decrypted with is derived from the
 *   registration id, `<characters 1-5>_<characters 6-10>` (centre and machine); keymanager
 *   creates a key for every reference it has not seen, and `keymanagerReferences` records them.
 * - `POST /registrationprocessor/v1/registrationstatus/search` and `…/externalstatus/search`
 *   (Spring): validation of `id`, `version` and `requesttime` (format and ± grace period), each
 *   failure reported as `RPR-RGS-015` plus its own code, HTTP 200; unknown ids as
 *   `{registrationId, errorCode: RPR-RGS-031, errorMessage: "RID Not Found"}`. The external API
 *   maps internal statuses (`PROCESSED` → `UIN_GENERATED`, `FAILED` → `RESEND` when the failed
 *   transaction was the packet upload or receipt, else `REREGISTER`, ...); `/search` then
 *   collapses `UIN_GENERATED`, `REREGISTER`, `REJECTED`, `REPROCESS_FAILED` into `PROCESSED`, so
 *   there `PROCESSED` does not mean success. `/search` reads only the first
 *   `registration.processor.fetch.registration.records.limit` ids (100) and ignores the rest.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  MOSIP_EXTERNAL_STATUS_ID,
  MOSIP_EXTERNAL_STATUS_SEARCH_PATH,
  MOSIP_EXTERNAL_STATUS_VERSION,
  MOSIP_REGISTRATION_STATUS_ID,
  MOSIP_REGISTRATION_STATUS_SEARCH_PATH,
  MOSIP_REGISTRATION_STATUS_VERSION,
  MOSIP_STATUS_ERROR_CODES,
  MOSIP_WORKFLOW_ERROR_CODES,
  MOSIP_WORKFLOW_INSTANCE_ID,
  MOSIP_WORKFLOW_INSTANCE_PATH,
  MOSIP_WORKFLOW_INSTANCE_VERSION,
  type MosipExternalStatusCode,
  type MosipStatusSearchResponse,
  type MosipWorkflowInstanceResponse
} from '@mosip-bridge/contracts'
import type { SimServer } from '../../shared/sim-server.js'
import type { AuthManager } from './auth-manager.js'
import type { PacketManager } from './packet-manager.js'
import type { ProcessingPipeline, RegistrationRecord } from './processing-pipeline.js'
import {
  hasJsonContentType,
  isPlainObject,
  parseMosipTimestamp,
  sendSpringError,
  type MosipErrorEntry
} from './wire.js'

export const REGISTRATION_PROCESSOR_SERVICE = 'registration-processor'

/** `registration.processor.main-processes` of a MOSIP configured for CRVS. */
export const DEFAULT_MAIN_PROCESSES: readonly string[] = [
  'NEW',
  'UPDATE',
  'LOST',
  'RES_UPDATE',
  'ACTIVATED',
  'DEACTIVATED',
  'CRVS_NEW',
  'CRVS_DEATH',
  'CRVS_UPDATE',
  'OPENCRVS_NEW'
]

/** `WORKFLOWINSTANCE` in `APIAuthorityList`. */
export const WORKFLOW_INSTANCE_ROLES: readonly string[] = [
  'ONLINE_REGISTRATION_CLIENT',
  'REGISTRATION_PROCESSOR',
  'GLOBAL_ADMIN'
]

/** Roles of the status searches (deployment config; lenient). */
export const STATUS_SEARCH_ROLES: readonly string[] = [
  'REGISTRATION_ADMIN',
  'REGISTRATION_OFFICER',
  'REGISTRATION_SUPERVISOR',
  'RESIDENT',
  'REGISTRATION_PROCESSOR',
  'ONLINE_REGISTRATION_CLIENT',
  'GLOBAL_ADMIN'
]

export interface RegistrationProcessorOptions {
  auth: AuthManager
  packets: PacketManager
  pipeline: ProcessingPipeline
  /** Default `DEFAULT_MAIN_PROCESSES`. */
  mainProcesses?: readonly string[]
  /** `mosip.regproc.workflow-manager.instance.api-id`/`.version`. */
  workflowInstanceId?: string
  workflowInstanceVersion?: string
  /** `mosip.registration.processor.registration.status.id`/`.version`. */
  statusId?: string
  statusVersion?: string
  externalStatusId?: string
  externalStatusVersion?: string
  /** `mosip.registration.processor.grace.period` in seconds. Default 10800. */
  gracePeriodSeconds?: number
  /** `registration.processor.fetch.registration.records.limit` of `/search`. Default 100. */
  fetchLimit?: number
}

/** Transaction types whose failure MOSIP reports as `RESEND` (the packet should be sent again). */
const RESEND_TRANSACTION_TYPES = new Set(['PACKET_RECEIVER', 'UPLOAD_PACKET'])

/** External status of a registration (`getRegistrationStatusForMainProcess`). */
export function externalStatusOf(
  record: Pick<RegistrationRecord, 'statusCode' | 'latestTransactionTypeCode'>
): MosipExternalStatusCode {
  switch (record.statusCode) {
    case 'PROCESSING':
    case 'PAUSED':
    case 'RESUMABLE':
    case 'REPROCESS':
      return 'PROCESSING'
    case 'PAUSED_FOR_ADDITIONAL_INFO':
      return 'AWAITING_INFORMATION'
    case 'PROCESSED':
      return 'UIN_GENERATED'
    case 'FAILED':
      return RESEND_TRANSACTION_TYPES.has(record.latestTransactionTypeCode)
        ? 'RESEND'
        : 'REREGISTER'
    case 'REPROCESS_FAILED':
      return 'REREGISTER'
    default:
      return 'REJECTED'
  }
}

const CONSIDERED_PROCESSED = new Set([
  'UIN_GENERATED',
  'REREGISTER',
  'REJECTED',
  'REPROCESS_FAILED'
])

/** Status `/search` reports: the external status, with the "considered processed" collapse. */
export function searchStatusOf(
  record: Pick<RegistrationRecord, 'statusCode' | 'latestTransactionTypeCode'>
): string {
  const external = externalStatusOf(record)
  return CONSIDERED_PROCESSED.has(external) ? 'PROCESSED' : external
}

interface StatusApi {
  id: string
  version: string
  path: string
  limit: number | undefined
  status: (record: RegistrationRecord) => string
}

const RGS = {
  validationFailed: {
    errorCode: MOSIP_STATUS_ERROR_CODES.dataValidationFailed,
    message: 'Invalid Request Value - Input Data is Incorrect'
  },
  unknown: { errorCode: MOSIP_STATUS_ERROR_CODES.unknown, message: 'Unknown Exception Found' },
  missingVersion: {
    errorCode: MOSIP_STATUS_ERROR_CODES.missingVersion,
    message: 'Missing Request Value - version'
  },
  missingRequesttime: {
    errorCode: MOSIP_STATUS_ERROR_CODES.missingRequesttime,
    message: 'Missing Request Parameter - requesttime'
  },
  missingId: {
    errorCode: MOSIP_STATUS_ERROR_CODES.missingId,
    message: 'Missing Request Parameter - id'
  },
  invalidVersion: {
    errorCode: MOSIP_STATUS_ERROR_CODES.invalidVersion,
    message: 'Invalid Request Parameter - version'
  },
  invalidRequesttime: {
    errorCode: MOSIP_STATUS_ERROR_CODES.invalidRequesttime,
    message: 'Invalid Request Parameter - requesttime'
  },
  invalidId: {
    errorCode: MOSIP_STATUS_ERROR_CODES.invalidId,
    message: 'Invalid Request Parameter - id'
  }
} as const satisfies Record<string, MosipErrorEntry>

/** A keymanager reference the registration processor used, and the registrations that used it. */
export interface KeymanagerReference {
  reference: string
  /** When keymanager created its key (the first packet with this reference). */
  createdAt: string
  registrationIds: string[]
}

/** MOSIP's keymanager reference for a registration id: centre and machine from its first 10 characters. */
export function keymanagerReferenceOf(registrationId: string): string {
  return `${registrationId.slice(0, 5)}_${registrationId.slice(5, 10)}`
}

export class RegistrationProcessor {
  private readonly records = new Map<string, RegistrationRecord>()
  private readonly references = new Map<string, KeymanagerReference>()
  private readonly packets: PacketManager
  private readonly pipeline: ProcessingPipeline
  private readonly mainProcesses: readonly string[]
  private readonly workflowInstanceId: string
  private readonly workflowInstanceVersion: string
  private readonly gracePeriodMs: number

  constructor(sim: SimServer, options: RegistrationProcessorOptions) {
    this.packets = options.packets
    this.pipeline = options.pipeline
    this.mainProcesses = options.mainProcesses ?? DEFAULT_MAIN_PROCESSES
    this.workflowInstanceId = options.workflowInstanceId ?? MOSIP_WORKFLOW_INSTANCE_ID
    this.workflowInstanceVersion =
      options.workflowInstanceVersion ?? MOSIP_WORKFLOW_INSTANCE_VERSION
    this.gracePeriodMs = (options.gracePeriodSeconds ?? 10800) * 1000
    const config = { service: REGISTRATION_PROCESSOR_SERVICE }

    sim.app.post(
      MOSIP_WORKFLOW_INSTANCE_PATH,
      { config, preHandler: options.auth.requireAuth(WORKFLOW_INSTANCE_ROLES) },
      async (request, reply) => this.workflowInstance(request, reply)
    )
    const search: StatusApi = {
      id: options.statusId ?? MOSIP_REGISTRATION_STATUS_ID,
      version: options.statusVersion ?? MOSIP_REGISTRATION_STATUS_VERSION,
      path: MOSIP_REGISTRATION_STATUS_SEARCH_PATH,
      limit: options.fetchLimit ?? 100,
      status: (record) => searchStatusOf(record)
    }
    const external: StatusApi = {
      id: options.externalStatusId ?? MOSIP_EXTERNAL_STATUS_ID,
      version: options.externalStatusVersion ?? MOSIP_EXTERNAL_STATUS_VERSION,
      path: MOSIP_EXTERNAL_STATUS_SEARCH_PATH,
      limit: undefined,
      status: (record) => externalStatusOf(record)
    }
    for (const api of [search, external]) {
      sim.app.post(
        api.path,
        { config, preHandler: options.auth.requireAuth(STATUS_SEARCH_ROLES) },
        async (request, reply) => this.statusSearch(api, request, reply)
      )
    }
  }

  /** The registration of this id (its main-process row), as the status APIs see it. */
  get(registrationId: string, process?: string): RegistrationRecord | undefined {
    if (process !== undefined) return this.records.get(this.key(registrationId, process))
    return this.list().find(
      (record) =>
        record.registrationId === registrationId && this.mainProcesses.includes(record.process)
    )
  }

  list(): RegistrationRecord[] {
    return [...this.records.values()]
  }

  /**
   * MOSIP loses a registration: its workflow rows (every process) and its packet are gone, its
   * processing stops, the status APIs answer `RPR-RGS-031` for it, and `createPacket` and
   * `workflowinstance` take it again as new. Returns whether MOSIP knew it.
   */
  forget(registrationId: string): boolean {
    let known = this.packets.delete(registrationId)
    for (const [key, record] of this.records) {
      if (record.registrationId !== registrationId) continue
      this.records.delete(key)
      this.pipeline.drop(record)
      known = true
    }
    return known
  }

  /** The keymanager references created so far (one key each), oldest first. */
  keymanagerReferences(): KeymanagerReference[] {
    return [...this.references.values()].map((entry) => ({
      ...entry,
      registrationIds: [...entry.registrationIds]
    }))
  }

  private useKeymanagerReference(registrationId: string, at: string): void {
    const reference = keymanagerReferenceOf(registrationId)
    const known = this.references.get(reference)
    if (known) known.registrationIds.push(registrationId)
    else
      this.references.set(reference, {
        reference,
        createdAt: at,
        registrationIds: [registrationId]
      })
  }

  private key(registrationId: string, process: string): string {
    return `${registrationId}\u0000${process}`
  }

  private workflowAnswer(
    reply: FastifyReply,
    response: { workflowInstanceId: string } | null,
    error?: MosipErrorEntry
  ): FastifyReply {
    const body = {
      id: this.workflowInstanceId,
      version: this.workflowInstanceVersion,
      responsetime: new Date().toISOString(),
      response,
      errors: error ? [error] : null
    } satisfies MosipWorkflowInstanceResponse
    return reply.header('Access-Control-Allow-Origin', '*').send(body)
  }

  private workflowInstance(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const body = request.body
    if (!isPlainObject(body)) {
      return this.workflowAnswer(reply, null, {
        errorCode: MOSIP_WORKFLOW_ERROR_CODES.apiUnknown,
        message: 'Unknown Exception'
      })
    }
    const missing = (field: string): MosipErrorEntry => ({
      errorCode: MOSIP_WORKFLOW_ERROR_CODES.missingInput,
      message: `Missing Request Value - ${field}`
    })
    const invalid = (field: string): MosipErrorEntry => ({
      errorCode: MOSIP_WORKFLOW_ERROR_CODES.invalidInput,
      message: `Invalid Request Value - ${field}`
    })
    const { id, version, requesttime } = body
    if (id === undefined || id === null) return this.workflowAnswer(reply, null, missing('id'))
    if (typeof id !== 'string' || id.toLowerCase() !== this.workflowInstanceId.toLowerCase())
      return this.workflowAnswer(reply, null, invalid('id'))
    if (version === undefined || version === null)
      return this.workflowAnswer(reply, null, missing('version'))
    if (
      typeof version !== 'string' ||
      version.toLowerCase() !== this.workflowInstanceVersion.toLowerCase()
    )
      return this.workflowAnswer(reply, null, invalid('version'))
    if (requesttime === undefined || requesttime === null)
      return this.workflowAnswer(reply, null, missing('requesttime'))
    if (parseMosipTimestamp(requesttime) === undefined)
      return this.workflowAnswer(reply, null, invalid('requesttime'))

    const unknown: MosipErrorEntry = {
      errorCode: MOSIP_WORKFLOW_ERROR_CODES.unknown,
      message: 'Unknown Exception'
    }
    const details = isPlainObject(body.request) ? body.request : undefined
    const registrationId = details?.registrationId
    const process = details?.process
    const source = details?.source
    if (
      typeof registrationId !== 'string' ||
      typeof process !== 'string' ||
      typeof source !== 'string'
    )
      return this.workflowAnswer(reply, null, unknown)
    // The notification info is encrypted under refId `id[0:5]_id[5:10]`: shorter ids fail.
    if (registrationId.length < 10) return this.workflowAnswer(reply, null, unknown)
    if (!this.mainProcesses.includes(process)) return this.workflowAnswer(reply, null, unknown)
    if (this.records.has(this.key(registrationId, process))) {
      return this.workflowAnswer(reply, null, {
        errorCode: MOSIP_WORKFLOW_ERROR_CODES.alreadyPresent,
        message: 'WorkflowInstance already present'
      })
    }
    if (!this.packets.has(registrationId)) return this.workflowAnswer(reply, null, unknown)

    const now = new Date().toISOString()
    const additionalInfoReqId = details?.additionalInfoReqId
    const notificationInfo = details?.notificationInfo
    const record: RegistrationRecord = {
      registrationId,
      process,
      source,
      workflowInstanceId: randomUUID(),
      iteration: 1,
      additionalInfoReqId:
        typeof additionalInfoReqId === 'string' && additionalInfoReqId.length > 0
          ? additionalInfoReqId
          : null,
      notificationInfo: isPlainObject(notificationInfo)
        ? {
            name: typeof notificationInfo.name === 'string' ? notificationInfo.name : null,
            phone: typeof notificationInfo.phone === 'string' ? notificationInfo.phone : null,
            email: typeof notificationInfo.email === 'string' ? notificationInfo.email : null
          }
        : null,
      statusCode: 'RESUMABLE',
      stage: 'PacketValidatorStage',
      latestTransactionTypeCode: 'WORKFLOW_RESUME',
      latestTransactionStatusCode: 'REPROCESS',
      statusComment: 'Workflow instance created',
      history: [{ at: now, statusCode: 'RESUMABLE', stage: 'PacketValidatorStage' }],
      createdAt: now,
      updatedAt: now
    }
    this.records.set(this.key(registrationId, process), record)
    this.useKeymanagerReference(registrationId, now)
    this.pipeline.start(record)
    return this.workflowAnswer(reply, { workflowInstanceId: record.workflowInstanceId })
  }

  private statusError(
    reply: FastifyReply,
    api: StatusApi,
    errors: MosipErrorEntry[]
  ): FastifyReply {
    return reply.send({
      id: api.id,
      version: api.version,
      responsetime: new Date().toISOString(),
      response: null,
      errors
    })
  }

  /** `RegistrationStatusRequestValidator`: the first problem, or undefined. */
  private validateStatusRequest(
    api: StatusApi,
    body: Record<string, unknown>
  ): MosipErrorEntry | undefined {
    const { id, version, requesttime } = body
    if (id === undefined || id === null) return RGS.missingId
    if (id !== api.id) return RGS.invalidId
    if (version === undefined || version === null) return RGS.missingVersion
    if (version !== api.version) return RGS.invalidVersion
    if (requesttime === undefined || requesttime === null) return RGS.missingRequesttime
    const at = parseMosipTimestamp(requesttime)
    if (at === undefined || Math.abs(Date.now() - at) > this.gracePeriodMs)
      return RGS.invalidRequesttime
    return undefined
  }

  private statusSearch(api: StatusApi, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (!hasJsonContentType(request.headers['content-type']))
      return sendSpringError(reply, 415, api.path)
    const body = request.body
    if (!isPlainObject(body)) return sendSpringError(reply, 400, api.path)
    const problem = this.validateStatusRequest(api, body)
    if (problem) return this.statusError(reply, api, [RGS.validationFailed, problem])
    if (!Array.isArray(body.request)) return this.statusError(reply, api, [RGS.unknown])
    const ids: string[] = []
    for (const item of body.request) {
      const registrationId = isPlainObject(item) ? item.registrationId : undefined
      if (typeof registrationId !== 'string') return this.statusError(reply, api, [RGS.unknown])
      ids.push(registrationId)
    }
    const requested = api.limit === undefined ? ids : ids.slice(0, api.limit)
    const found: Array<{ registrationId: string; statusCode: string; additionalInfoReqId: null }> =
      []
    const errors: Array<{ registrationId: string; errorCode: string; errorMessage: string }> = []
    const seen = new Set<string>()
    for (const registrationId of requested) {
      const record = this.get(registrationId)
      if (record) {
        if (seen.has(registrationId)) continue
        seen.add(registrationId)
        found.push({ registrationId, statusCode: api.status(record), additionalInfoReqId: null })
      } else {
        errors.push({
          registrationId,
          errorCode: MOSIP_STATUS_ERROR_CODES.ridNotFound,
          errorMessage: 'RID Not Found'
        })
      }
    }
    const answer = {
      id: api.id,
      version: api.version,
      responsetime: new Date().toISOString(),
      response: found,
      errors
    } satisfies MosipStatusSearchResponse
    return reply.send(answer)
  }
}
