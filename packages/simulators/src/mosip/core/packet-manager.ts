/**
 * MOSIP packet manager `PUT /commons/v1/packetmanager/createPacket`.
 *
 * What it reproduces, in MOSIP's order:
 * 1. kernel-auth-adapter: no valid `Authorization` cookie → HTTP 401 `KER-ATH-401`.
 * 2. Spring/Jackson reading `RequestWrapper<PacketDto>`: a non-JSON content type → 415; a JSON
 *    array or object where a string is expected (a `fields` value, say) → 400 (Spring's error
 *    body); numbers and booleans are coerced to strings like Jackson does.
 * 3. `PacketWriter.getProvider(source, process)`: no configured writer → HTTP 200 with
 *    `errors: [KER-PUT-006]`.
 * 4. Packet building, whose every exception the facade swallows: empty audits (KER-KPM-008), an
 *    unparsable schemaJson (KER-KPM-002), an unparsable schemaVersion, ... → HTTP 200 with
 *    `response: null` and no error at all.
 * 5. Success: one `PacketInfo` per sub-packet (`_evidence`, `_optional`, `_id`); fields unknown to
 *    the schema are silently dropped; a repeated id overwrites the packet.
 *
 * Identity values are not validated here (as in MOSIP): values that break the schema's validators
 * (a `dateOfBirth` not `YYYY/MM/DD`, ...) and required fields a new registration lacks (the
 * schema's `required` list, narrowed per process by `idValidation.mandatoryAttributes`) are stored
 * with `validationIssues`, and registration processing later rejects the packet. With `failureReporting: 'reported'` the simulator instead
 * answers every failure of steps 2 and 4 and every validation issue as HTTP 200 with an explicit
 * `errors[]` entry (`KER-KPM-007`, `KER-KPM-008`, `KER-KPM-002`, `KER-PUT-020`, ...).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  MOSIP_CREATE_PACKET_PATH,
  MOSIP_PACKET_ERROR_CODES,
  MOSIP_PACKET_WRITER_RESPONSE_ID,
  MOSIP_PACKET_WRITER_RESPONSE_VERSION,
  type MosipCreatePacketResponse,
  type MosipPacketInfo
} from '@mosip-bridge/contracts'
import type { SimServer } from '../../shared/sim-server.js'
import type { AuthManager } from './auth-manager.js'
import {
  DEFAULT_ID_VALIDATION,
  isDocumentType,
  loadIdSchema,
  parseIdentityValue,
  validateDocuments,
  validateIdentity,
  validateLanguages,
  validateRequired,
  type IdValidationSettings,
  type PacketDocument
} from './id-schema.js'
import {
  hasJsonContentType,
  isPlainObject,
  mosipEnvelope,
  mosipTimestamp,
  sendSpringError,
  type MosipErrorEntry
} from './wire.js'

export const PACKET_MANAGER_SERVICE = 'packet-manager'

/** A `provider.packetwriter.*=source:…,process:…` entry. */
export interface PacketWriterProvider {
  source: string
  processes: string[]
}

const CRVS_PROCESSES = ['CRVS_NEW', 'CRVS_DEATH', 'CRVS_UPDATE']

/**
 * Writers of a MOSIP configured for CRVS integration: the CRVS processes for the sources OpenCRVS
 * deployments use (`OPENCRVS`, `CRVS1`, `CRVS`), the legacy mediator's `OPENCRVS_NEW`, and the
 * registration client's own processes.
 */
export const DEFAULT_PACKET_WRITERS: readonly PacketWriterProvider[] = [
  { source: 'OPENCRVS', processes: [...CRVS_PROCESSES, 'OPENCRVS_NEW'] },
  { source: 'CRVS1', processes: CRVS_PROCESSES },
  { source: 'CRVS', processes: CRVS_PROCESSES },
  { source: 'REGISTRATION_CLIENT', processes: ['NEW', 'UPDATE', 'LOST'] }
]

/** Roles allowed to create packets (`authorizedRoles.putcreatepacket`). */
export const CREATE_PACKET_ROLES: readonly string[] = [
  'ONLINE_REGISTRATION_CLIENT',
  'REGISTRATION_PROCESSOR',
  'REGISTRATION_ADMIN',
  'GLOBAL_ADMIN'
]

export type PacketFailureReporting = 'as-mosip' | 'reported'

export interface PacketManagerOptions {
  auth: AuthManager
  /** Default `DEFAULT_PACKET_WRITERS`. */
  writers?: readonly PacketWriterProvider[]
  /** Default `as-mosip`; see the module comment. */
  failureReporting?: PacketFailureReporting
  /** Default `CREATE_PACKET_ROLES`. */
  roles?: readonly string[]
  /**
   * What ID validation checks besides the schema's validators: mandatory and optional languages,
   * allowed document formats, required documents, the fields each process requires (default
   * `DEFAULT_ID_VALIDATION`: `eng`, no required document, the schema's `required` list for new
   * registrations).
   */
  idValidation?: Partial<IdValidationSettings>
  random?: () => number
}

/** A packet as the packet store holds it, for tests to inspect. */
export interface StoredPacket {
  id: string
  refId: string
  process: string
  source: string
  /** As sent, e.g. `"0.100"`. */
  schemaVersion: string
  additionalInfoReqId: string | null
  offlineMode: boolean
  /** The fields the schema knows, as sent (strings). */
  fields: Record<string, string>
  /** Field names dropped because the schema does not define them. */
  droppedFields: string[]
  /** The identity as written to `ID.json`: JSON-looking strings parsed, `IDSchemaVersion` a number. */
  identity: Record<string, unknown>
  /** With `registrationId` and `creationDate` overwritten by the packet manager. */
  metaInfo: Record<string, string>
  audits: Array<Record<string, string | null>>
  /** Documents by schema field, their files decoded (`identity[field]` points at each). */
  documents: Record<string, PacketDocument>
  /** Document fields dropped because the schema does not define them. */
  droppedDocuments: string[]
  /**
   * Values that break the schema's validators, simpleType values lacking a mandatory language,
   * documents ID validation refuses: registration processing will reject the packet.
   */
  validationIssues: string[]
  packetInfos: MosipPacketInfo[]
  createdAt: string
  /** 1, plus one per overwrite. */
  writes: number
}

type JavaString = string | null
type JavaStringMap = Record<string, JavaString>

interface PacketInput {
  id: JavaString
  additionalInfoReqId: JavaString
  refId: JavaString
  offlineMode: boolean
  process: JavaString
  source: JavaString
  schemaVersion: JavaString
  schemaJson: JavaString
  fields: JavaStringMap | null
  metaInfo: JavaStringMap | null
  audits: JavaStringMap[] | null
  documents: Record<string, PacketDocument> | null
}

class UnreadableBody extends Error {}

/** Jackson's `String` deserialization: scalars are coerced, structures refused. */
function javaString(value: unknown, path: string): JavaString {
  if (value === undefined || value === null) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new UnreadableBody(`${path} must be a string`)
}

function javaStringMap(value: unknown, path: string): JavaStringMap | null {
  if (value === undefined || value === null) return null
  if (!isPlainObject(value)) throw new UnreadableBody(`${path} must be an object of strings`)
  const map: JavaStringMap = {}
  for (const [key, item] of Object.entries(value)) map[key] = javaString(item, `${path}.${key}`)
  return map
}

function javaBoolean(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === 'false') return value === 'true'
  if (value === 0 || value === 1) return value === 1
  throw new UnreadableBody(`${path} must be a boolean`)
}

/** Jackson's `byte[]`: base64 text (standard alphabet, padding optional); anything else fails. */
function javaBytes(value: unknown, path: string): Buffer | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}$/.test(value))
    throw new UnreadableBody(`${path} must be base64`)
  return Buffer.from(value, 'base64')
}

/** `Map<String, Document>`: `{document: byte[], value, type, format, refNumber}` per field. */
function javaDocuments(value: unknown): Record<string, PacketDocument> | null {
  if (value === undefined || value === null) return null
  if (!isPlainObject(value)) throw new UnreadableBody('request.documents must be an object')
  const documents: Record<string, PacketDocument> = {}
  for (const [name, item] of Object.entries(value)) {
    if (item === null) continue
    const path = `request.documents.${name}`
    if (!isPlainObject(item)) throw new UnreadableBody(`${path} must be an object`)
    const bytes = javaBytes(item.document, `${path}.document`) ?? Buffer.alloc(0)
    documents[name] = {
      value: javaString(item.value, `${path}.value`),
      type: javaString(item.type, `${path}.type`),
      format: javaString(item.format, `${path}.format`),
      refNumber: javaString(item.refNumber, `${path}.refNumber`),
      size: bytes.length,
      content: bytes.toString('base64')
    }
  }
  return documents
}

function readPacketInput(request: Record<string, unknown>): PacketInput {
  const audits = request.audits
  if (audits !== undefined && audits !== null && !Array.isArray(audits))
    throw new UnreadableBody('request.audits must be an array')
  return {
    id: javaString(request.id, 'request.id'),
    additionalInfoReqId: javaString(request.additionalInfoReqId, 'request.additionalInfoReqId'),
    refId: javaString(request.refId, 'request.refId'),
    offlineMode: javaBoolean(request.offlineMode, 'request.offlineMode'),
    process: javaString(request.process, 'request.process'),
    source: javaString(request.source, 'request.source'),
    schemaVersion: javaString(request.schemaVersion, 'request.schemaVersion'),
    schemaJson: javaString(request.schemaJson, 'request.schemaJson'),
    fields: javaStringMap(request.fields, 'request.fields'),
    metaInfo: javaStringMap(request.metaInfo, 'request.metaInfo'),
    audits: Array.isArray(audits)
      ? audits.map((audit, index) => {
          const map = javaStringMap(audit, `request.audits[${index}]`)
          if (map === null) throw new UnreadableBody(`request.audits[${index}] is null`)
          return map
        })
      : null,
    documents: javaDocuments(request.documents)
  }
}

/** `Double.valueOf` as Java parses it (decimal or exponent form, optional f/d suffix). */
function javaDouble(text: string | null): number | undefined {
  if (text === null) return undefined
  const trimmed = text.trim()
  if (/^[+-]?(NaN|Infinity)$/.test(trimmed)) return Number(trimmed)
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(trimmed)) return undefined
  return Number(trimmed.replace(/[fFdD]$/, ''))
}

/** `Double.toString`: `0.1`, `8.4`, `1.0`, `1.0E-4`, `1.2345E7`. */
function javaDoubleToString(value: number): string {
  if (!Number.isFinite(value))
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
  const magnitude = Math.abs(value)
  if (value === 0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
    const text = String(value)
    return text.includes('.') ? text : `${text}.0`
  }
  const [mantissa = '0', exponent = '0'] = value.toExponential().split('e')
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`
}

type BuildResult = { ok: true; packet: StoredPacket } | { ok: false; error: MosipErrorEntry }

export class PacketManager {
  private readonly packets = new Map<string, StoredPacket>()
  private writers: PacketWriterProvider[]
  private failureReporting: PacketFailureReporting
  private validation: IdValidationSettings
  private nullResponsesPending = 0
  private nullResponseRate = 0
  private readonly random: () => number
  /** How many createPacket answers were `response: null` because of the fault. */
  nullResponsesServed = 0

  constructor(sim: SimServer, options: PacketManagerOptions) {
    this.writers = (options.writers ?? DEFAULT_PACKET_WRITERS).map((writer) => ({
      source: writer.source,
      processes: [...writer.processes]
    }))
    this.failureReporting = options.failureReporting ?? 'as-mosip'
    this.validation = { ...DEFAULT_ID_VALIDATION, ...options.idValidation }
    this.random = options.random ?? Math.random
    sim.app.put(
      MOSIP_CREATE_PACKET_PATH,
      {
        config: { service: PACKET_MANAGER_SERVICE },
        preHandler: options.auth.requireAuth(options.roles ?? CREATE_PACKET_ROLES)
      },
      (request, reply) => this.createPacket(request, reply)
    )
  }

  /** The stored packet with this id. */
  get(id: string): StoredPacket | undefined {
    return this.packets.get(id)
  }

  has(id: string): boolean {
    return this.packets.has(id)
  }

  list(): StoredPacket[] {
    return [...this.packets.values()]
  }

  delete(id: string): boolean {
    return this.packets.delete(id)
  }

  clear(): void {
    this.packets.clear()
  }

  /** The next `count` valid createPacket calls answer 200 `response: null`, nothing stored. */
  nullResponseNext(count = 1): void {
    this.nullResponsesPending += count
  }

  /** Share (0..1) of valid createPacket calls answered 200 `response: null`. */
  setNullResponseRate(rate: number): void {
    this.nullResponseRate = Math.min(1, Math.max(0, rate))
  }

  /** What ID validation checks (languages, document formats, required documents). */
  idValidation(): IdValidationSettings {
    return structuredClone(this.validation)
  }

  /** Changes some ID validation settings; packets written from now on are checked with them. */
  setIdValidation(settings: Partial<IdValidationSettings>): void {
    this.validation = { ...this.validation, ...structuredClone(settings) }
  }

  setFailureReporting(mode: PacketFailureReporting): void {
    this.failureReporting = mode
  }

  /** Configures (or replaces) the writer for a source. */
  setWriter(source: string, processes: string[]): void {
    this.writers = [
      ...this.writers.filter((writer) => writer.source !== source),
      { source, processes: [...processes] }
    ]
  }

  private hasWriter(source: JavaString, process: JavaString): boolean {
    return this.writers.some(
      (writer) => writer.source === source && process !== null && writer.processes.includes(process)
    )
  }

  private reported(): boolean {
    return this.failureReporting === 'reported'
  }

  private answer(
    reply: FastifyReply,
    response: MosipPacketInfo[] | null,
    errors: MosipErrorEntry[] = []
  ): FastifyReply {
    const body: MosipCreatePacketResponse =
      errors.length > 0
        ? (mosipEnvelope({ errors }) as MosipCreatePacketResponse)
        : {
            id: MOSIP_PACKET_WRITER_RESPONSE_ID,
            version: MOSIP_PACKET_WRITER_RESPONSE_VERSION,
            responsetime: mosipTimestamp(),
            metadata: null,
            response,
            errors: []
          }
    return reply.send(body)
  }

  private createPacket(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (!hasJsonContentType(request.headers['content-type']))
      return sendSpringError(reply, 415, MOSIP_CREATE_PACKET_PATH)
    let input: PacketInput | null
    try {
      const body = request.body
      if (!isPlainObject(body)) throw new UnreadableBody('the body must be a JSON object')
      const requesttime = body.requesttime
      if (
        requesttime !== undefined &&
        requesttime !== null &&
        (typeof requesttime !== 'string' || Number.isNaN(Date.parse(requesttime)))
      )
        throw new UnreadableBody('requesttime must be a date-time')
      javaString(body.id, 'id')
      javaString(body.version, 'version')
      const inner = body.request
      if (inner !== undefined && inner !== null && !isPlainObject(inner))
        throw new UnreadableBody('request must be an object')
      input = isPlainObject(inner) ? readPacketInput(inner) : null
    } catch (error) {
      if (!(error instanceof UnreadableBody)) throw error
      if (this.reported())
        return this.answer(reply, null, [
          {
            errorCode: MOSIP_PACKET_ERROR_CODES.invalidInput,
            message: `Invalid input parameter - ${error.message}`
          }
        ])
      return sendSpringError(reply, 400, MOSIP_CREATE_PACKET_PATH)
    }
    if (input === null) {
      // The facade dereferences the missing PacketDto before any try: an uncaught NPE.
      if (this.reported())
        return this.answer(reply, null, [
          {
            errorCode: MOSIP_PACKET_ERROR_CODES.invalidInput,
            message: 'Invalid input parameter - request'
          }
        ])
      return sendSpringError(reply, 500, MOSIP_CREATE_PACKET_PATH)
    }
    if (!this.hasWriter(input.source, input.process)) {
      return this.answer(reply, null, [
        {
          errorCode: MOSIP_PACKET_ERROR_CODES.noProvider,
          message: 'No available provider for given source and process'
        }
      ])
    }
    const built = this.build(input)
    if (!built.ok) return this.answer(reply, null, this.reported() ? [built.error] : [])
    const packet = built.packet
    if (this.reported() && packet.validationIssues.length > 0) {
      return this.answer(reply, null, [
        {
          errorCode: MOSIP_PACKET_ERROR_CODES.packetValidation,
          message: `Packet validation failed: ${packet.validationIssues.join('; ')}`
        }
      ])
    }
    if (this.takeNullResponse()) return this.answer(reply, null)
    packet.writes = (this.packets.get(packet.id)?.writes ?? 0) + 1
    this.packets.set(packet.id, packet)
    return this.answer(reply, packet.packetInfos)
  }

  private takeNullResponse(): boolean {
    const due =
      this.nullResponsesPending > 0 ||
      (this.nullResponseRate > 0 && this.random() < this.nullResponseRate)
    if (!due) return false
    if (this.nullResponsesPending > 0) this.nullResponsesPending--
    this.nullResponsesServed++
    return true
  }

  /** `PacketWriterImpl` building the packet; every failure here is swallowed by the facade. */
  private build(input: PacketInput): BuildResult {
    const fail = (errorCode: string, message: string): BuildResult => ({
      ok: false,
      error: { errorCode, message }
    })
    if (input.id === null || input.id.trim().length === 0)
      return fail(MOSIP_PACKET_ERROR_CODES.invalidInput, 'Invalid input parameter - id')
    const schema = loadIdSchema(input.schemaJson)
    if (!schema.ok)
      return fail(MOSIP_PACKET_ERROR_CODES.jsonParse, `JSON parsing error - ${schema.reason}`)
    const version = javaDouble(input.schemaVersion)
    if (version === undefined)
      return fail(
        MOSIP_PACKET_ERROR_CODES.invalidInput,
        `Invalid input parameter - schemaVersion ${String(input.schemaVersion)}`
      )
    if (input.audits === null || input.audits.length === 0)
      return fail(MOSIP_PACKET_ERROR_CODES.auditsEmpty, 'Registration audits is empty')
    if (input.refId === null || input.refId.trim().length === 0)
      return fail(
        MOSIP_PACKET_ERROR_CODES.encryptionFailed,
        'Packet encryption failed - no reference id'
      )

    const fields: Record<string, string> = {}
    const droppedFields: string[] = []
    const identity: Record<string, unknown> = { IDSchemaVersion: version }
    for (const [name, value] of Object.entries(input.fields ?? {})) {
      if (!schema.schema.fields.has(name)) {
        droppedFields.push(name)
        continue
      }
      if (value === null) continue
      fields[name] = value
      if (name !== 'IDSchemaVersion') identity[name] = parseIdentityValue(value)
    }
    // `RegistrationPacket.setDocumentField`: the identity's field points at the document.
    const documents: Record<string, PacketDocument> = {}
    const droppedDocuments: string[] = []
    for (const [name, document] of Object.entries(input.documents ?? {})) {
      const field = schema.schema.fields.get(name)
      if (!field) {
        droppedDocuments.push(name)
        continue
      }
      documents[name] = document
      if (isDocumentType(field))
        identity[name] = {
          value: document.value,
          type: document.type,
          format: document.format,
          refNumber: document.refNumber
        }
    }
    const creationDate = mosipTimestamp()
    const metaInfo: Record<string, string> = {}
    for (const [key, value] of Object.entries(input.metaInfo ?? {}))
      if (value !== null) metaInfo[key] = value
    metaInfo.registrationId = input.id
    metaInfo.creationDate = creationDate

    const id = input.id
    const packetInfos = schema.schema.subpackets.map((subpacket): MosipPacketInfo => ({
      id,
      packetName: `${id}_${subpacket}`,
      source: input.source ?? '',
      process: input.process ?? '',
      refId: input.refId,
      schemaVersion: javaDoubleToString(version),
      signature: randomBytes(256).toString('base64url'),
      encryptedHash: createHash('sha256')
        .update(`${id}_${subpacket}`)
        .update(randomBytes(32))
        .digest('base64url'),
      providerName: 'PacketWriterImpl',
      providerVersion: 'v1.0',
      creationDate: mosipTimestamp()
    }))
    return {
      ok: true,
      packet: {
        id,
        refId: input.refId,
        process: input.process ?? '',
        source: input.source ?? '',
        schemaVersion: input.schemaVersion ?? '',
        additionalInfoReqId: input.additionalInfoReqId,
        offlineMode: input.offlineMode,
        fields,
        droppedFields,
        identity,
        metaInfo,
        audits: input.audits,
        documents,
        droppedDocuments,
        validationIssues: [
          ...validateRequired(schema.schema, identity, input.process ?? '', this.validation),
          ...validateIdentity(schema.schema, identity),
          ...validateLanguages(schema.schema, identity, this.validation),
          ...validateDocuments(schema.schema, documents, this.validation)
        ],
        packetInfos,
        createdAt: creationDate,
        writes: 1
      }
    }
  }
}
