/**
 * The port the `/verify` route talks to: a MOSIP IDA demographic authentication, or a stand-in
 * that answers "unavailable" when the bridge could not load its IDA keys at start-up.
 */
import type { PersonToVerify } from './ida-auth-request.js'
import type { IdaVerdict } from './ida-auth-result.js'

export type IdaVerifierStatus =
  { available: true } | { available: false; code: string; reason: string }

export interface IdaVerifyContext {
  /** The caller's transaction id, only for the logs. */
  transactionId?: string
}

export interface IdaVerifier {
  readonly status: IdaVerifierStatus
  verify(person: PersonToVerify, context?: IdaVerifyContext): Promise<IdaVerdict>
}

/** Code of the verdict given while the IDA keystore or certificate could not be loaded. */
export const IDA_NOT_CONFIGURED = 'IDA_NOT_CONFIGURED'
