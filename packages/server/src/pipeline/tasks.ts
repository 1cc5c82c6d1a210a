import { z } from 'zod'
import type { JobKeyMatch } from '../queue/job-queue.js'
import type { PayloadCheck, PayloadChecks } from '../queue/job-runner.js'

/**
 * Payloads of the pipeline's jobs, versioned (`v`). They hold ids only: never secrets or
 * personal data, which stay sealed in the store.
 */
const registrationJobSchema = z.object({ v: z.literal(1), registrationId: z.string().min(1) })
const deliveryJobSchema = z.object({ v: z.literal(1), eventId: z.string().min(1) })

export type RegistrationJobPayload = z.infer<typeof registrationJobSchema>
export type DeliveryJobPayload = z.infer<typeof deliveryJobSchema>

/** Every task of the pipeline and its payload: `enqueue` and the handlers are typed by it. */
export interface Tasks {
  'submit-packet': RegistrationJobPayload
  'process-credential': DeliveryJobPayload
  'confirm-registration': RegistrationJobPayload
  'reject-registration': RegistrationJobPayload
  /** A stored workflow-completed event of MOSIP's registration processor. */
  'apply-workflow-event': DeliveryJobPayload
  /** The deceased's UIN of a confirmed death deactivated in MOSIP's ID repository. */
  'deactivate-uin': RegistrationJobPayload
}

export const TASKS = {
  submitPacket: 'submit-packet',
  processCredential: 'process-credential',
  confirmRegistration: 'confirm-registration',
  rejectRegistration: 'reject-registration',
  applyWorkflowEvent: 'apply-workflow-event',
  deactivateUin: 'deactivate-uin'
} as const satisfies Record<string, keyof Tasks>

function checkWith<T>(schema: z.ZodType<T>): PayloadCheck<T> {
  return (payload) => {
    const result = schema.safeParse(payload)
    if (result.success) return result.data
    throw new Error(
      result.error.issues
        .map(
          (issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'payload'}: ${issue.message}`
        )
        .join('; ')
    )
  }
}

/** The runner's check of each stored payload before its handler runs. */
export const taskPayloads: PayloadChecks<Tasks> = {
  'submit-packet': checkWith(registrationJobSchema),
  'process-credential': checkWith(deliveryJobSchema),
  'confirm-registration': checkWith(registrationJobSchema),
  'reject-registration': checkWith(registrationJobSchema),
  'apply-workflow-event': checkWith(deliveryJobSchema),
  'deactivate-uin': checkWith(registrationJobSchema)
}

export const jobKeys = {
  submitPacket: (id: string) => `submit:${id}`,
  /** The packet submitted again because MOSIP asked (`resubmission` 1, 2, …). */
  resubmitPacket: (id: string, resubmission: number) => `submit:${id}:resubmit-${resubmission}`,
  processCredential: (eventId: string) => `credential:${eventId}`,
  confirmRegistration: (id: string, eventId: string) => `confirm:${id}:${eventId}`,
  rejectRegistration: (id: string) => `reject:${id}`,
  applyWorkflowEvent: (eventId: string) => `apply:${eventId}`,
  /** One deactivation per death registration, however often its confirmation is recorded. */
  deactivateUin: (id: string) => `deactivate-uin:${id}`,
  /**
   * A registration's jobs by key: its submission, rejection and UIN deactivation (exact keys,
   * so not an operator's retries), every confirmation of it and the resubmissions MOSIP asked for (by
   * prefix).
   */
  ofRegistration: (id: string): JobKeyMatch => ({
    keys: [jobKeys.submitPacket(id), jobKeys.rejectRegistration(id), jobKeys.deactivateUin(id)],
    prefixes: [jobKeys.confirmRegistration(id, ''), `${jobKeys.submitPacket(id)}:resubmit-`]
  })
}
