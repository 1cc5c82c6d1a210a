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

/** Any other MOSIP ID-schema fields pass through into the packet's `fields`. */
const passThroughFields = z.record(z.string(), z.unknown())

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
  fullName: z.string().optional(),
  dateOfBirth: z.string().optional(),
  gender: z.string().optional(),
  introducerInfoToken: z.string().optional()
})

const commonPayload = {
  trackingId: z.string().min(1),
  notification: mosipNotificationSchema,
  schemaJson: z.string().optional(),
  metaInfo: z.record(z.string(), z.unknown()),
  audit: z.record(z.string(), z.unknown())
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
