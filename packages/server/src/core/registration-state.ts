/**
 * Life of one registration sent to MOSIP. Every accepted registration ends in a final state an
 * operator can see: `confirmed` (accepted in OpenCRVS, national id written for births),
 * `rejected` (rejected in OpenCRVS after MOSIP refused it or we gave up) or `completed` (an
 * update packet MOSIP took; nothing to confirm). `needs_attention` is where a registration
 * waits for an operator: its token was refused or expired (or neared expiry while MOSIP was
 * down), OpenCRVS had no pending action to write the national id into, or MOSIP reported the ID
 * issued but no credential came. `credential_received` means MOSIP's answer is in and the
 * confirmation in OpenCRVS is queued: a credential, or for a death MOSIP reporting it processed.
 */
export const REGISTRATION_STATES = [
  'received',
  'packet_created',
  'submitted',
  'credential_received',
  'confirmed',
  'completed',
  'failed',
  'rejected',
  'needs_attention'
] as const

export type RegistrationState = (typeof REGISTRATION_STATES)[number]

const NEXT: Record<RegistrationState, readonly RegistrationState[]> = {
  received: ['packet_created', 'failed', 'needs_attention'],
  packet_created: ['submitted', 'completed', 'failed', 'needs_attention'],
  // MOSIP's answers move a submitted registration on too: `completed` (an update it processed),
  // `credential_received` (a death it processed: confirmation follows), `received` (the packet
  // is submitted again because MOSIP asked or does not know it).
  submitted: ['credential_received', 'completed', 'received', 'needs_attention', 'failed'],
  credential_received: ['confirmed', 'needs_attention', 'failed'],
  confirmed: [],
  completed: [],
  failed: ['rejected', 'needs_attention', 'received'],
  rejected: [],
  needs_attention: [
    'received',
    // An operator's retry of one handed over while MOSIP had its packet: checked again.
    'submitted',
    'credential_received',
    'confirmed',
    'completed',
    'failed',
    'rejected'
  ]
}

export const FINAL_STATES: readonly RegistrationState[] = ['confirmed', 'completed', 'rejected']

export function isRegistrationState(value: string): value is RegistrationState {
  return (REGISTRATION_STATES as readonly string[]).includes(value)
}

export function canTransition(from: RegistrationState, to: RegistrationState): boolean {
  return NEXT[from].includes(to)
}

/** The MOSIP registration id a registration is known by in MOSIP now: its own id unless a
 * resubmission MOSIP asked for gave it a new one. */
export function mosipIdOf(registration: { id: string; mosip_id: string | null }): string {
  return registration.mosip_id ?? registration.id
}
