import { z } from 'zod'

/** `id` of every demographic authentication request and response. */
export const IDA_AUTH_ID = 'mosip.identity.auth'
export const IDA_AUTH_VERSION = '1.0'

/**
 * `requestTime` / `timestamp` as IDA parses them: `yyyy-MM-dd'T'HH:mm:ss.SSSXXX`
 * (milliseconds are required; `Z` or an offset).
 */
export const IDA_DATE_TIME_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/

/** `demographics.dob` as IDA matches it: `YYYY/MM/DD`. */
export const IDA_DOB_PATTERN = /^\d{4}\/\d{2}\/\d{2}$/

/** IDA checks `transactionID` against `^[A-Z0-9]{10}`. */
export const IDA_TRANSACTION_ID_PATTERN = /^[A-Z0-9]{10}$/

export const idaLanguageValueSchema = z.object({
  language: z.string().min(1),
  value: z.string()
})
export type IdaLanguageValue = z.infer<typeof idaLanguageValueSchema>

export const idaRequestedAuthSchema = z.object({
  demo: z.boolean().optional(),
  pin: z.boolean().optional(),
  otp: z.boolean().optional(),
  bio: z.boolean().optional()
})
export type IdaRequestedAuth = z.infer<typeof idaRequestedAuthSchema>

/**
 * The JSON body posted to `POST {IDA_AUTH_URL}/{MISP-LK}/{partnerId}/{apiKey}` (`AuthRequestDTO`
 * plus the fields partner SDKs send). `request` and `requestHMAC` are base64url of
 * AES-256-GCM `ciphertext || tag(16) || iv(16)`; `requestSessionKey` is base64url of the
 * RSA-OAEP-SHA-256 encrypted AES key; `thumbprint` is base64url of SHA-256 over the IDA
 * certificate's DER.
 */
export const idaAuthRequestSchema = z.looseObject({
  id: z.literal(IDA_AUTH_ID),
  version: z.string().min(1),
  individualId: z.string().min(1),
  individualIdType: z.enum(['UIN', 'VID']),
  transactionID: z.string().regex(IDA_TRANSACTION_ID_PATTERN),
  requestTime: z.string().regex(IDA_DATE_TIME_PATTERN),
  specVersion: z.string().optional(),
  thumbprint: z.string().min(1),
  domainUri: z.string().optional(),
  env: z.string().optional(),
  requestedAuth: idaRequestedAuthSchema,
  consentObtained: z.boolean(),
  request: z.string().min(1),
  requestSessionKey: z.string().min(1),
  requestHMAC: z.string().min(1),
  keyIndex: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).nullish()
})
export type IdaAuthRequest = z.infer<typeof idaAuthRequestSchema>

/** Demographic attributes a partner may send for matching. */
export const idaDemographicsSchema = z.looseObject({
  name: z.array(idaLanguageValueSchema).optional(),
  dob: z.string().regex(IDA_DOB_PATTERN).optional(),
  gender: z.array(idaLanguageValueSchema).optional(),
  phoneNumber: z.string().optional(),
  emailId: z.string().optional()
})
export type IdaDemographics = z.infer<typeof idaDemographicsSchema>

/** The JSON that is encrypted into `request` (and whose SHA-256 is encrypted into `requestHMAC`). */
export const idaAuthDataSchema = z.looseObject({
  biometrics: z.array(z.unknown()).optional(),
  demographics: idaDemographicsSchema.optional(),
  otp: z.string().optional(),
  timestamp: z.string().regex(IDA_DATE_TIME_PATTERN)
})
export type IdaAuthData = z.infer<typeof idaAuthDataSchema>
