/**
 * The request envelopes the bridge sends to MOSIP, built by pure functions so that the wire
 * format is tested without a network. The shapes are those of the reference `mosip-api`
 * (auth manager, packet manager createPacket, registration-processor workflowinstance): a MOSIP
 * deployment that works with the reference must receive the same JSON from the bridge. The
 * status search, which the reference does not call, follows MOSIP's registration-status service.
 * Their types, ids and versions are those of `@mosip-bridge/contracts`.
 */
import {
  MOSIP_EXTERNAL_STATUS_ID,
  MOSIP_EXTERNAL_STATUS_VERSION,
  MOSIP_UNCHECKED_REQUEST_ID,
  MOSIP_WORKFLOW_INSTANCE_ID,
  MOSIP_WORKFLOW_INSTANCE_VERSION,
  type MosipAuthRequest,
  type MosipClientSecret,
  type MosipCreatePacketRequest,
  type MosipStatusSearchRequest,
  type MosipWorkflowInstanceRequest
} from '@mosip-bridge/contracts'
import { simpleTypeFieldsOf, withConfiguredLanguages } from './multilingual-fields.js'
import type { MosipProcess, NotificationInfo, PacketRequest } from './ports.js'

/**
 * MOSIP's request time, `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in UTC. `Date#toISOString` produces
 * exactly this for years 0000–9999.
 */
export function mosipRequestTime(epochMs: number): string {
  return new Date(epochMs).toISOString()
}

/**
 * Turns a loose record into MOSIP's `Map<String,String>`: strings as they are, arrays and objects
 * as JSON text (MOSIP parses JSON-looking strings back, e.g. multi-language values), numbers,
 * booleans and bigints through `String()`, dates as ISO text. Keys whose value is null or
 * undefined (or a function or symbol, which have no JSON form) are omitted.
 */
export function ensureStringFields(record: Record<string, unknown>): Record<string, string> {
  const entries: Array<[string, string]> = []
  for (const [key, value] of Object.entries(record)) {
    const text = asFieldString(value)
    if (text !== undefined) entries.push([key, text])
  }
  // fromEntries defines own properties, so a `__proto__` key stays an ordinary key.
  return Object.fromEntries(entries)
}

function asFieldString(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value)
    case 'object':
      if (value === null) return undefined
      if (value instanceof Date) return value.toISOString()
      return JSON.stringify(value)
    default:
      return undefined
  }
}

// ---------------------------------------------------------------- auth manager

/** Body of `POST /v1/authmanager/authenticate/clientidsecretkey`. */
export function buildAuthEnvelope(
  credentials: MosipClientSecret,
  requesttime: string
): MosipAuthRequest {
  return {
    id: MOSIP_UNCHECKED_REQUEST_ID,
    version: MOSIP_UNCHECKED_REQUEST_ID,
    requesttime,
    metadata: {},
    request: {
      clientId: credentials.clientId,
      secretKey: credentials.secretKey,
      appId: credentials.appId
    }
  }
}

// ---------------------------------------------------------------- packet manager

/** Deployment settings that go into every packet. */
export interface PacketSettings {
  /** `source` configured in MOSIP's packet writer providers (OPENCRVS, CRVS1, ...). */
  source: string
  /** ID-schema version deployed in MOSIP masterdata, e.g. "0.500". */
  schemaVersion: string
  centerId: string
  machineId: string
  /** ID schema JSON text used when the request brings none. */
  defaultSchemaJson: string
  /** MOSIP's mandatory languages (`MOSIP_LANGUAGES`), primary first. */
  languages: readonly string[]
}

/**
 * Body of `PUT /commons/v1/packetmanager/createPacket` (`RequestWrapper<PacketDto>`).
 * `fields`, `metaInfo` and every audit go through `ensureStringFields` again: their types say
 * string, but they come from loose JSON, and one non-string value makes MOSIP refuse the whole
 * request. A blank `schemaJson` counts as absent (MOSIP could not parse it anyway).
 */
export function buildCreatePacketEnvelope(
  request: PacketRequest,
  settings: PacketSettings,
  requesttime: string
): MosipCreatePacketRequest {
  const schemaJson =
    typeof request.schemaJson === 'string' && request.schemaJson.trim() !== ''
      ? request.schemaJson
      : settings.defaultSchemaJson
  return {
    id: MOSIP_UNCHECKED_REQUEST_ID,
    version: MOSIP_UNCHECKED_REQUEST_ID,
    requesttime,
    request: {
      id: request.id,
      refId: `${settings.centerId}_${settings.machineId}`,
      offlineMode: false,
      process: request.process,
      source: settings.source,
      schemaVersion: settings.schemaVersion,
      fields: withConfiguredLanguages(
        ensureStringFields(request.fields),
        simpleTypeFieldsOf(schemaJson),
        settings.languages
      ),
      metaInfo: ensureStringFields(request.metaInfo),
      audits: request.audits.map((audit) => ensureStringFields(audit)),
      schemaJson,
      ...(request.documents !== undefined && Object.keys(request.documents).length > 0
        ? { documents: request.documents }
        : {})
    }
  }
}

// ---------------------------------------------------------------- registration processor

/** Body of `POST /registrationprocessor/v1/workflowmanager/workflowinstance`. */
export function buildWorkflowInstanceEnvelope(
  input: {
    registrationId: string
    process: MosipProcess
    source: string
    notification: NotificationInfo
  },
  requesttime: string
): MosipWorkflowInstanceRequest {
  return {
    id: MOSIP_WORKFLOW_INSTANCE_ID,
    version: MOSIP_WORKFLOW_INSTANCE_VERSION,
    requesttime,
    request: {
      registrationId: input.registrationId,
      process: input.process,
      source: input.source,
      additionalInfoReqId: '',
      notificationInfo: {
        name: orEmpty(input.notification.name),
        phone: orEmpty(input.notification.phone),
        email: orEmpty(input.notification.email)
      }
    }
  }
}

/**
 * Body of `POST /registrationprocessor/v1/registrationstatus/externalstatus/search`. MOSIP checks
 * `id` and `version` for equality and `requesttime` against its clock (± a grace period).
 */
export function buildExternalStatusEnvelope(
  registrationIds: readonly string[],
  requesttime: string
): MosipStatusSearchRequest {
  return {
    id: MOSIP_EXTERNAL_STATUS_ID,
    version: MOSIP_EXTERNAL_STATUS_VERSION,
    requesttime,
    request: registrationIds.map((registrationId) => ({ registrationId }))
  }
}

/** The reference sends `phone || ""`: an absent value is an empty string, never null. */
function orEmpty(value: string | null | undefined): string {
  return typeof value === 'string' ? value : ''
}
