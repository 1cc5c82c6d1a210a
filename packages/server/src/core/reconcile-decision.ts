/**
 * What reconciliation does with MOSIP's answer about a registration that is still waiting on
 * MOSIP, and when it asks again. Pure: the reconciliation job reads the registration and MOSIP's
 * status, calls `decideReconciliation`, and carries the decision out.
 */
import { MOSIP_STATUS_ERROR_CODES, type MosipExternalStatusCode } from '@mosip-bridge/contracts'
import type { RegistrationKind } from './intake-plan.js'
import type { RegistrationState } from './registration-state.js'

/** MOSIP's answer about one registration: its external status, or that it does not know the id. */
export type MosipStatusAnswer = { status: string } | { unknown: true }

/** Reason codes of a registration reconciliation hands to an operator. */
export const RECONCILE_ATTENTION_CODES = {
  /** A birth MOSIP reports processed, whose credential has not arrived. */
  issuedNoCredential: 'MOSIP_ISSUED_NO_CREDENTIAL',
  /** MOSIP still asks for the packet again (RESEND, REREGISTER) after the last resubmission allowed. */
  keepsAskingResend: 'MOSIP_KEEPS_ASKING_RESEND',
  /** MOSIP still does not know the registration id after the last resubmission allowed. */
  keepsNotKnowingId: 'MOSIP_KEEPS_NOT_KNOWING_ID'
} as const
export type ReconcileAttentionCode =
  (typeof RECONCILE_ATTENTION_CODES)[keyof typeof RECONCILE_ATTENTION_CODES]

/** Reason codes of a registration that fails because of MOSIP's decision. */
export const RECONCILE_FAILURE_CODES = {
  REJECTED: 'MOSIP_REJECTED',
  REPROCESS_FAILED: 'MOSIP_REPROCESS_FAILED'
} as const satisfies Partial<Record<MosipExternalStatusCode, string>>
type FailingStatus = keyof typeof RECONCILE_FAILURE_CODES

/** What makes MOSIP want the packet again. */
export type ResubmitCause = 'RESEND' | 'REREGISTER' | 'UNKNOWN_ID'

export type ReconcileDecision =
  /** MOSIP refused the registration for good: it fails (and is rejected in OpenCRVS). */
  | { action: 'fail'; code: string; status: FailingStatus; reason: string }
  /** MOSIP processed a registration for which no credential is expected. */
  | { action: 'finish'; state: 'confirmed' | 'completed'; status: string; reason: string }
  /** An operator has to look at it. */
  | { action: 'needs-attention'; code: ReconcileAttentionCode; reason: string }
  /** Submit the packet again; `resubmission` is the number of this resubmission (1, 2, …). */
  | { action: 'resubmit'; cause: ResubmitCause; resubmission: number; reason: string }
  /** MOSIP is still working on it: ask again in `nextCheckInMs`. */
  | { action: 'keep-checking'; nextCheckInMs: number; unchangedChecks: number }
  /** Reconciliation has nothing to do: the registration is not waiting on MOSIP's answer. */
  | { action: 'leave'; reason: string }

export interface ReconcileInput {
  kind: RegistrationKind
  state: RegistrationState
  /** A credential for this registration has been delivered (processed or not yet). */
  credentialArrived: boolean
  /** Resubmissions reconciliation has already made for this registration. */
  resubmissions: number
  answer: MosipStatusAnswer
  /** MOSIP's answer at the previous check, and how many checks before that brought it too. */
  previous?: { answer: string; unchangedChecks: number }
}

export interface ReconcileSettings {
  /** MOSIP_RECONCILE_RESUBMIT_LIMIT */
  resubmitLimit: number
  /** MOSIP_RECONCILE_INTERVAL_SECONDS, in ms */
  intervalMs: number
  /** MOSIP_RECONCILE_MAX_INTERVAL_SECONDS, in ms */
  maxIntervalMs: number
}

/** MOSIP's answer as one word, to store and to compare with the next one. */
export function answerLabel(answer: MosipStatusAnswer): string {
  return 'unknown' in answer ? MOSIP_STATUS_ERROR_CODES.ridNotFound : answer.status
}

/**
 * Delay before the next check of a registration whose answer has not changed for
 * `unchangedChecks` checks in a row (0: the answer is new): `intervalMs × 2^unchangedChecks`,
 * capped at `maxIntervalMs`.
 */
export function nextCheckDelayMs(
  unchangedChecks: number,
  settings: Pick<ReconcileSettings, 'intervalMs' | 'maxIntervalMs'>
): number {
  const exponent = Math.max(0, Math.min(Math.floor(unchangedChecks), 52))
  return Math.min(settings.maxIntervalMs, settings.intervalMs * 2 ** exponent)
}

const FINISHED_STATUSES = new Set<string>([
  'UIN_GENERATED',
  'PROCESSED'
] satisfies MosipExternalStatusCode[])

const RESUBMIT_STATUSES = new Set<string>(['RESEND', 'REREGISTER'] satisfies ResubmitCause[])

function isFailingStatus(status: string): status is FailingStatus {
  return Object.hasOwn(RECONCILE_FAILURE_CODES, status)
}

/**
 * The decision for one registration and MOSIP's answer about it.
 *
 * - Only a `submitted` registration without a credential waits on MOSIP's answer; any other is
 *   left alone (the credential, the confirmation or an operator moves it on).
 * - `REJECTED`, `REPROCESS_FAILED`: it fails, with MOSIP's status as the reason.
 * - `UIN_GENERATED`, `PROCESSED`: a death is confirmed and an update completed (no credential is
 *   waited for); a birth needs attention, since its credential should have come.
 * - `RESEND`, `REREGISTER` and an unknown id: the packet is submitted again while fewer than
 *   `resubmitLimit` resubmissions were made; after that an operator is asked.
 * - Anything else (`PROCESSING`, `RECEIVED`, `UPLOAD_PENDING`, `AWAITING_INFORMATION`, a status
 *   newer than ours): keep checking, less often while the answer stays the same.
 */
export function decideReconciliation(
  input: ReconcileInput,
  settings: ReconcileSettings
): ReconcileDecision {
  if (input.state !== 'submitted') {
    return { action: 'leave', reason: `the registration is ${input.state}, not waiting on MOSIP` }
  }
  if (input.credentialArrived) {
    return { action: 'leave', reason: 'its credential has arrived and completes it' }
  }
  const label = answerLabel(input.answer)

  if ('unknown' in input.answer) {
    return resubmitOrAsk(input, settings, 'UNKNOWN_ID', `MOSIP does not know the id (${label})`)
  }
  const status = input.answer.status
  if (isFailingStatus(status)) {
    return {
      action: 'fail',
      code: RECONCILE_FAILURE_CODES[status],
      status,
      reason: `MOSIP ended processing of the packet with status ${status}`
    }
  }
  if (FINISHED_STATUSES.has(status)) {
    if (input.kind === 'birth') {
      return {
        action: 'needs-attention',
        code: RECONCILE_ATTENTION_CODES.issuedNoCredential,
        reason: `MOSIP reports the birth ${status}, so the ID was issued, but no credential arrived`
      }
    }
    return {
      action: 'finish',
      state: input.kind === 'death' ? 'confirmed' : 'completed',
      status,
      reason: `MOSIP reports the ${input.kind} ${status}`
    }
  }
  if (RESUBMIT_STATUSES.has(status)) {
    return resubmitOrAsk(
      input,
      settings,
      status as ResubmitCause,
      `MOSIP asks for the packet again (${status})`
    )
  }
  const unchangedChecks =
    input.previous?.answer === label ? Math.max(0, input.previous.unchangedChecks) + 1 : 0
  return {
    action: 'keep-checking',
    nextCheckInMs: nextCheckDelayMs(unchangedChecks, settings),
    unchangedChecks
  }
}

function resubmitOrAsk(
  input: ReconcileInput,
  settings: ReconcileSettings,
  cause: ResubmitCause,
  why: string
): ReconcileDecision {
  if (input.resubmissions < settings.resubmitLimit) {
    return { action: 'resubmit', cause, resubmission: input.resubmissions + 1, reason: why }
  }
  return {
    action: 'needs-attention',
    code:
      cause === 'UNKNOWN_ID'
        ? RECONCILE_ATTENTION_CODES.keepsNotKnowingId
        : RECONCILE_ATTENTION_CODES.keepsAskingResend,
    reason: `${why} after ${input.resubmissions} resubmission(s), the limit`
  }
}
