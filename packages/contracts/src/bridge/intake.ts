import { z } from 'zod'

/**
 * Bodies the bridge accepts from an OpenCRVS country configuration, as the reference client
 * (`createMosipInteropClient` of `@opencrvs/mosip`) sends them.
 */

export const mosipNotificationSchema = z.object({
  recipientFullName: z.string(),
  recipientEmail: z.string(),
  recipientPhone: z.string()
})
export type MosipNotification = z.infer<typeof mosipNotificationSchema>

/** A MOSIP language code (ISO 639-3, lower case): `eng`, `ara`, `fra`. */
export const mosipLanguageCodeSchema = z.string().regex(/^[a-z]{3}$/, 'a language code such as eng')

/** A text given once per language, e.g. `{ eng: 'Leo Bwalya', ara: 'ليو بواليا' }`. */
export const perLanguageTextSchema = z.record(mosipLanguageCodeSchema, z.string())
export type PerLanguageText = z.infer<typeof perLanguageTextSchema>

/**
 * A text field of the identity: a plain string (also MOSIP's own JSON text
 * `[{"language":"eng","value":"…"}]`, as the reference client sends it) or per-language values.
 * The bridge writes one `{language, value}` entry per language of `MOSIP_LANGUAGES` into every
 * multi-language field, the same value under each language a payload does not give.
 */
export const localizedTextSchema = z.union([z.string(), perLanguageTextSchema])
export type LocalizedText = z.infer<typeof localizedTextSchema>

/**
 * Any other MOSIP ID-schema fields pass through into the packet's `fields`; a text field may be
 * a plain string or per-language values (`localizedTextSchema`).
 */
const passThroughFields = z.record(z.string(), z.unknown())

/**
 * A document for the packet, e.g. the proof of birth. `type` is the OpenCRVS document type; the
 * bridge finds the MOSIP category (`POB`, `POI`, `POA`, `POR`, `POE`) from it through
 * `MOSIP_DOCUMENT_CATEGORIES` unless `category` names one, and the packet carries the file under
 * the ID-schema field of that category (`MOSIP_DOCUMENT_FIELDS`, e.g. `proofOfDateOfBirth`).
 * `content` is the file in base64, at most `MOSIP_DOCUMENT_MAX_BYTES` once decoded.
 */
export const intakeDocumentSchema = z.object({
  category: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'a MOSIP document category such as POB')
    .optional(),
  type: z.string().min(1).max(128),
  format: z.string().regex(/^[A-Za-z0-9]{1,16}$/, 'a file format such as pdf, jpg or png'),
  content: z.string().min(1, 'the file in base64 is required'),
  refNumber: z.string().max(128).optional()
})
export type IntakeDocument = z.infer<typeof intakeDocumentSchema>

export const birthRequestFieldsSchema = z.looseObject({
  birthCertificateNumber: z.string().min(1),
  deathCertificateNumber: z.undefined().optional()
})

export const deathRequestFieldsSchema = z.looseObject({
  deathCertificateNumber: z.string().min(1),
  birthCertificateNumber: z.undefined().optional()
})

export const correctionRequestFieldsSchema = z.object({
  VID: z.string().min(1),
  fullName: localizedTextSchema.optional(),
  dateOfBirth: z.string().optional(),
  gender: localizedTextSchema.optional(),
  introducerInfoToken: localizedTextSchema.optional()
})

const commonPayload = {
  trackingId: z.string().min(1),
  notification: mosipNotificationSchema,
  schemaJson: z.string().optional(),
  metaInfo: z.record(z.string(), z.unknown()),
  audit: z.record(z.string(), z.unknown()),
  /** Our addition: documents for the packet (absent from the reference's payloads). */
  documents: z.array(intakeDocumentSchema).optional()
}

/** `POST /events/registration`: a birth (birthCertificateNumber) or a death (deathCertificateNumber). */
export const mosipInteropPayloadSchema = z.object({
  ...commonPayload,
  requestFields: passThroughFields
})
export type MosipInteropPayload = z.infer<typeof mosipInteropPayloadSchema>

/** `POST /events/update-biographics`: a CRVS_UPDATE packet (unknown requestFields keys dropped). */
export const mosipCorrectionPayloadSchema = z.object({
  ...commonPayload,
  requestFields: correctionRequestFieldsSchema
})
export type MosipCorrectionPayload = z.infer<typeof mosipCorrectionPayloadSchema>

/** 202 answer of both intake routes: `{}` in the reference; we add our transaction id. */
export const intakeAcceptedSchema = z.object({
  transactionId: z.string()
})
export type IntakeAccepted = z.infer<typeof intakeAcceptedSchema>
