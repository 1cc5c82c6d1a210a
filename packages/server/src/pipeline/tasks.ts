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
  rejectRegistration: (id: string) => `reject:${id}`
}
