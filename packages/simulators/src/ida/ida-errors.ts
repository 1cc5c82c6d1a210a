import { IDA_ERROR_CODES, type IdaError } from '@mosip-bridge/contracts'

/**
 * IDA's errors with the messages of `IdAuthenticationErrorConstants` (`%s` filled in as IDA
 * fills it).
 */
export const idaErrors = {
  invalidTimestamp: (seconds: number): IdaError => ({
    errorCode: IDA_ERROR_CODES.invalidTimestamp,
    errorMessage: `Request to be received at MOSIP within ${seconds} seconds`,
    actionMessage: `Please send the request within ${seconds} seconds`
  }),
  invalidUin: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.invalidUin,
    errorMessage: 'Invalid UIN',
    actionMessage: 'Please retry with the correct UIN'
  }),
  uinDeactivatedBlocked: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.uinDeactivatedBlocked,
    errorMessage: 'UIN is deactivated/blocked'
  }),
  invalidVid: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.invalidVid,
    errorMessage: 'Invalid VID',
    actionMessage: 'Please retry with correct VID'
  }),
  vidExpiredDeactivated: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.vidExpiredDeactivated,
    errorMessage: 'VID is expired/deactivated'
  }),
  idNotAvailable: (idType: 'UIN' | 'VID'): IdaError => ({
    errorCode: IDA_ERROR_CODES.idNotAvailable,
    errorMessage: `${idType} not available in database`
  }),
  missingInput: (field: string): IdaError => ({
    errorCode: IDA_ERROR_CODES.missingInput,
    errorMessage: `Missing Input Parameter - ${field}`
  }),
  invalidInput: (field: string): IdaError => ({
    errorCode: IDA_ERROR_CODES.invalidInput,
    errorMessage: `Invalid Input Parameter - ${field}`
  }),
  unableToProcess: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.unableToProcess,
    errorMessage: 'Request could not be processed. Please try again'
  }),
  noAuthTypeSelected: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.noAuthTypeSelected,
    errorMessage: 'No authentication type selected'
  }),
  consentNotAvailable: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.consentNotAvailable,
    errorMessage: "Individual's Consent is not available"
  }),
  demographicMismatch: (attribute: string, language?: string): IdaError =>
    language === undefined
      ? {
          errorCode: IDA_ERROR_CODES.demographicMismatch,
          errorMessage: `Demographic data ${attribute} did not match`,
          actionMessage: `Please re-enter your ${attribute}`
        }
      : {
          errorCode: IDA_ERROR_CODES.demographicMismatch,
          errorMessage: `Demographic data ${attribute} in ${language} did not match`,
          actionMessage: `Please re-enter your ${attribute} in ${language}`
        },
  unsupportedLanguage: (language: string): IdaError => ({
    errorCode: IDA_ERROR_CODES.unsupportedLanguage,
    errorMessage: `Unsupported Language Code - ${language}`,
    actionMessage: 'Please provide valid Language'
  }),
  demographicNotAvailable: (attribute: string, language?: string): IdaError => ({
    errorCode: IDA_ERROR_CODES.demographicNotAvailable,
    errorMessage:
      language === undefined
        ? `Demographic data ${attribute} not available in database`
        : `Demographic data ${attribute} in ${language} not available in database`
  }),
  signatureFailed: (what: string): IdaError => ({
    errorCode: IDA_ERROR_CODES.signatureVerificationFailed,
    errorMessage: `Digital signature verification failed for ${what}`
  }),
  unableToDecrypt: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.unableToDecrypt,
    errorMessage: 'Unable to decrypt Request'
  }),
  authTypeNotAllowed: (authType: string): IdaError => ({
    errorCode: IDA_ERROR_CODES.authTypeNotAllowed,
    errorMessage: `${authType} Authentication usage not allowed as per policy`,
    actionMessage: 'Please use other Authentication Types in the request'
  }),
  invalidLicenseKey: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.invalidLicenseKey,
    errorMessage: 'License key does not belong to a registered MISP'
  }),
  partnerNotRegistered: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.partnerNotRegistered,
    errorMessage: 'Partner is not registered'
  }),
  hmacValidationFailed: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.hmacValidationFailed,
    errorMessage: 'HMAC Validation failed'
  }),
  partnerCertificateNotMatched: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.partnerCertificateNotMatched,
    errorMessage: 'Partner (Auth) Certificate not matching with signature header certificate.'
  }),
  partnerCertificateNotInHeader: (): IdaError => ({
    errorCode: IDA_ERROR_CODES.partnerCertificateNotInHeader,
    errorMessage: 'Partner (Auth) Certificate not found in Request signature header.'
  })
}

/** Thrown inside the request pipeline; becomes `authStatus: false` with these errors. */
export class IdaRejection extends Error {
  readonly errors: IdaError[]
  constructor(errors: IdaError | IdaError[]) {
    const list = Array.isArray(errors) ? errors : [errors]
    super(list.map((e) => `${e.errorCode} ${e.errorMessage}`).join('; '))
    this.name = 'IdaRejection'
    this.errors = list
  }
}
