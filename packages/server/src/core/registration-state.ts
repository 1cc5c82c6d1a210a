/**
 * Life of one registration sent to MOSIP. Every accepted registration ends in a final state an
 * operator can see: `confirmed` (accepted in OpenCRVS) or `rejected` (rejected in OpenCRVS
 * after MOSIP refused it or we gave up).
 */
export const REGISTRATION_STATES = [
  'received',
  'packet_created',
  'submitted',
  'credential_received',
  'confirmed',
  'failed',
  'rejected'
] as const

export type RegistrationState = (typeof REGISTRATION_STATES)[number]

const NEXT: Record<RegistrationState, readonly RegistrationState[]> = {
  received: ['packet_created', 'submitted', 'failed'],
  packet_created: ['submitted', 'failed'],
  submitted: ['credential_received', 'failed'],
  credential_received: ['confirmed', 'failed'],
  confirmed: [],
  failed: ['rejected', 'received'],
  rejected: []
}

export const FINAL_STATES: readonly RegistrationState[] = ['confirmed', 'rejected']

export function isRegistrationState(value: string): value is RegistrationState {
  return (REGISTRATION_STATES as readonly string[]).includes(value)
}

export function canTransition(from: RegistrationState, to: RegistrationState): boolean {
  return NEXT[from].includes(to)
}

export function isFinal(state: RegistrationState): boolean {
  return FINAL_STATES.includes(state)
}
