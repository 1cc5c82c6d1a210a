/**
 * Packet manager `PUT /commons/v1/packetmanager/createPacket`: `RequestWrapper<PacketDto>` in,
 * `ResponseWrapper<List<PacketInfo>>` out.
 */
import { z } from 'zod'
import { mosipRequestWrapperSchema, mosipResponseWrapperSchema } from './auth.js'

export const MOSIP_CREATE_PACKET_PATH = '/commons/v1/packetmanager/createPacket'

/** `id` and `version` of the createPacket answer. */
export const MOSIP_PACKET_WRITER_RESPONSE_ID = 'mosip.registration.packet.writer'
export const MOSIP_PACKET_WRITER_RESPONSE_VERSION = 'v1'

/** The sub-packets one packet is written as; one `PacketInfo` each. */
export const MOSIP_SUBPACKETS = ['evidence', 'optional', 'id'] as const
export type MosipSubpacket = (typeof MOSIP_SUBPACKETS)[number]

/** Packet manager error codes met by clients (HTTP 200, `errors[]`). */
export const MOSIP_PACKET_ERROR_CODES = {
  /** No writer provider is configured for this source and process. */
  noProvider: 'KER-PUT-006',
  invalidSourceOrProcess: 'KER-PUT-025',
  packetValidation: 'KER-PUT-020',
  invalidInput: 'KER-KPM-007',
  /** The packet cannot be encrypted: no reference id (`<centerId>_<machineId>`). */
  encryptionFailed: 'KER-KPM-001',
  /** Swallowed by the facade in current MOSIP: the answer is then `response: null` and no error. */
  auditsEmpty: 'KER-KPM-008',
  /** Swallowed too: schemaJson (or an identity value) is not parsable. */
  jsonParse: 'KER-KPM-002',
  notInitialized: 'KER-KPM-009'
} as const

/**
 * Java `Map<String,String>`: every value is a string. JSON-looking strings
 * (`"[{\"language\":\"eng\",\"value\":\"Jane\"}]"`) are parsed by the packet manager; a raw JSON
 * array or object does not deserialize.
 */
export const mosipStringMapSchema = z.record(z.string(), z.string())
export type MosipStringMap = z.infer<typeof mosipStringMapSchema>

/** `Document`: `document` is the file as base64 (Jackson `byte[]`). Keys are schema field names. */
export const mosipPacketDocumentSchema = z.object({
  document: z.string(),
  value: z.string().nullish(),
  type: z.string().nullish(),
  format: z.string().nullish(),
  refNumber: z.string().nullish()
})
export type MosipPacketDocument = z.infer<typeof mosipPacketDocumentSchema>

/** `PacketDto`, the packet to write. */
export const mosipPacketDtoSchema = z.object({
  /** AID/RID the packet is stored under; a repeated id overwrites. Keep it ≥ 10 characters. */
  id: z.string().min(1),
  additionalInfoReqId: z.string().nullish(),
  /** `<centerId>_<machineId>`, the keymanager reference id used to encrypt the packet. */
  refId: z.string(),
  offlineMode: z.boolean().optional(),
  /** `CRVS_NEW`, `CRVS_DEATH`, `CRVS_UPDATE`, ...: must match a configured writer provider. */
  process: z.string(),
  /** Deployment specific (`OPENCRVS`, `CRVS1`, `CRVS`): must match a configured writer provider. */
  source: z.string(),
  /** Parsed with `Double.valueOf`: `"0.100"` is echoed back as `"0.1"`. */
  schemaVersion: z.string(),
  /** The whole ID schema as a JSON string. Only its `properties.identity.properties` are written. */
  schemaJson: z.string(),
  /** Identity values; keys unknown to `schemaJson` are silently dropped. Dates are `YYYY/MM/DD`. */
  fields: mosipStringMapSchema,
  /** `metaData`, `operationsData`, `capturedRegisteredDevices`, `creationDate`, `registrationId`. */
  metaInfo: mosipStringMapSchema,
  /** Must not be empty. */
  audits: z.array(mosipStringMapSchema).min(1),
  documents: z.record(z.string(), mosipPacketDocumentSchema).optional(),
  biometrics: z.record(z.string(), z.unknown()).optional()
})
export type MosipPacketDto = z.infer<typeof mosipPacketDtoSchema>

export const mosipCreatePacketRequestSchema = mosipRequestWrapperSchema(mosipPacketDtoSchema)
export type MosipCreatePacketRequest = z.infer<typeof mosipCreatePacketRequestSchema>

/** `PacketInfo`, one per sub-packet (`packetName` = `<id>_<subpacket>`). */
export const mosipPacketInfoSchema = z.looseObject({
  id: z.string(),
  packetName: z.string(),
  source: z.string(),
  process: z.string(),
  refId: z.string().nullish(),
  /** Java `Double.toString` of the request's schemaVersion, e.g. `"0.1"`. */
  schemaVersion: z.string(),
  signature: z.string().nullish(),
  encryptedHash: z.string().nullish(),
  providerName: z.string(),
  providerVersion: z.string().nullish(),
  creationDate: z.string()
})
export type MosipPacketInfo = z.infer<typeof mosipPacketInfoSchema>

/**
 * Answer of createPacket. Success: the `PacketInfo` list. Failure: HTTP 200 with `errors[]` — or
 * 200 with `response: null` and no error at all, so treat an empty or null `response` as failure.
 */
export const mosipCreatePacketResponseSchema = mosipResponseWrapperSchema(
  z.array(mosipPacketInfoSchema)
)
export type MosipCreatePacketResponse = z.infer<typeof mosipCreatePacketResponseSchema>
