import type { JobKeyMatch } from '../queue/job-queue.js'

/** Names and payloads of the pipeline's jobs. Payloads hold ids only: never secrets or personal data. */
export const TASKS = {
  submitPacket: 'submit-packet',
  processCredential: 'process-credential',
  confirmRegistration: 'confirm-registration',
  rejectRegistration: 'reject-registration'
} as const

export interface RegistrationJobPayload {
  v: 1
  registrationId: string
}

export interface DeliveryJobPayload {
  v: 1
  eventId: string
}

export const jobKeys = {
  submitPacket: (id: string) => `submit:${id}`,
  processCredential: (eventId: string) => `credential:${eventId}`,
  confirmRegistration: (id: string, eventId: string) => `confirm:${id}:${eventId}`,
  rejectRegistration: (id: string) => `reject:${id}`,
  /**
   * A registration's jobs by key: its submission and rejection (exact keys, so not an
   * operator's retries) and every confirmation of it (by prefix).
   */
  ofRegistration: (id: string): JobKeyMatch => ({
    keys: [jobKeys.submitPacket(id), jobKeys.rejectRegistration(id)],
    prefixes: [jobKeys.confirmRegistration(id, '')]
  })
}
