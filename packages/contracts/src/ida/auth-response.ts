import { z } from 'zod'

/** `AuthError` / `ActionableAuthError`. */
export const idaErrorSchema = z.object({
  errorCode: z.string(),
  errorMessage: z.string(),
  actionMessage: z.string().optional()
})
export type IdaError = z.infer<typeof idaErrorSchema>

/**
 * `AuthResponseDTO`. IDA answers HTTP 200 for successes and business failures alike; a failure
 * is `authStatus: false` with `errors`. The body is signed: header `response-signature` holds a
 * detached JWS (RS256, `x5c`) over the exact response bytes.
 */
export const idaAuthResponseSchema = z.object({
  transactionID: z.string().nullish(),
  version: z.string().nullish(),
  id: z.string().nullish(),
  responseTime: z.string().nullish(),
  response: z
    .object({
      authStatus: z.boolean(),
      authToken: z.string().nullish()
    })
    .nullish(),
  errors: z.array(idaErrorSchema).nullish()
})
export type IdaAuthResponse = z.infer<typeof idaAuthResponseSchema>

/** Name of the response header holding IDA's detached JWS over the response body. */
export const IDA_RESPONSE_SIGNATURE_HEADER = 'response-signature'

/**
 * The IDA error codes a demographic authentication can answer with
 * (`IdAuthenticationErrorConstants`).
 */
export const IDA_ERROR_CODES = {
  /** `requestTime` (or `request.timestamp`) outside the accepted window. */
  invalidTimestamp: 'IDA-MLC-001',
  invalidUin: 'IDA-MLC-002',
  /** Older IDA versions; IDA 1.2 answers `uinDeactivatedBlocked`. */
  uinDeactivated: 'IDA-MLC-003',
  invalidVid: 'IDA-MLC-004',
  missingInput: 'IDA-MLC-006',
  unableToProcess: 'IDA-MLC-007',
  noAuthTypeSelected: 'IDA-MLC-008',
  invalidInput: 'IDA-MLC-009',
  /** Older IDA versions; IDA 1.2 answers `vidExpiredDeactivated`. */
  vidOfDeactivatedUin: 'IDA-MLC-010',
  consentNotAvailable: 'IDA-MLC-012',
  /** `%s not available in database`: the UIN or VID is not in IDA's identity cache (removed). */
  idNotAvailable: 'IDA-MLC-018',
  /** `UIN is deactivated/blocked`: the ID repository deactivated the UIN (IDA 1.2). */
  uinDeactivatedBlocked: 'IDA-MLC-022',
  /** `VID is expired/deactivated`: the VID, or the UIN it belongs to, was deactivated (IDA 1.2). */
  vidExpiredDeactivated: 'IDA-MLC-023',
  demographicMismatch: 'IDA-DEA-001',
  unsupportedLanguage: 'IDA-DEA-002',
  demographicNotAvailable: 'IDA-DEA-003',
  signatureVerificationFailed: 'IDA-MPA-001',
  unableToDecrypt: 'IDA-MPA-003',
  authTypeNotAllowed: 'IDA-MPA-006',
  invalidLicenseKey: 'IDA-MPA-007',
  partnerNotRegistered: 'IDA-MPA-009',
  hmacValidationFailed: 'IDA-MPA-016',
  partnerCertificateNotMatched: 'IDA-MPA-021',
  partnerCertificateNotInHeader: 'IDA-MPA-022'
} as const
export type IdaErrorCode = (typeof IDA_ERROR_CODES)[keyof typeof IDA_ERROR_CODES]
