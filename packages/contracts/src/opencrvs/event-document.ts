import { z } from 'zod'

/** Every action type of v1.9 and v2.0 (v2.0 drops VALIDATE and adds EDIT and CUSTOM). */
export const opencrvsActionTypeSchema = z.enum([
  'DELETE',
  'CREATE',
  'NOTIFY',
  'DECLARE',
  'VALIDATE',
  'REGISTER',
  'DUPLICATE_DETECTED',
  'REJECT',
  'MARK_AS_DUPLICATE',
  'MARK_AS_NOT_DUPLICATE',
  'ARCHIVE',
  'PRINT_CERTIFICATE',
  'REQUEST_CORRECTION',
  'REJECT_CORRECTION',
  'APPROVE_CORRECTION',
  'READ',
  'ASSIGN',
  'UNASSIGN',
  'EDIT',
  'CUSTOM'
])
export type OpencrvsActionType = z.infer<typeof opencrvsActionTypeSchema>

/** Action types core sends to the country config for confirmation (`ConfirmableActions`). */
export const OPENCRVS_CONFIRMABLE_ACTIONS = {
  'v1.9': [
    'NOTIFY',
    'DECLARE',
    'VALIDATE',
    'REGISTER',
    'REJECT',
    'ARCHIVE',
    'PRINT_CERTIFICATE',
    'REQUEST_CORRECTION',
    'APPROVE_CORRECTION',
    'REJECT_CORRECTION'
  ],
  'v2.0': [
    'NOTIFY',
    'DECLARE',
    'REGISTER',
    'REJECT',
    'ARCHIVE',
    'PRINT_CERTIFICATE',
    'REQUEST_CORRECTION',
    'APPROVE_CORRECTION',
    'REJECT_CORRECTION',
    'EDIT',
    'CUSTOM'
  ]
} as const satisfies Record<'v1.9' | 'v2.0', readonly OpencrvsActionType[]>

export const opencrvsActionStatusSchema = z.enum(['Requested', 'Accepted', 'Rejected'])
export type OpencrvsActionStatus = z.infer<typeof opencrvsActionStatusSchema>

/**
 * Field values keyed by dotted field id (`child.name`, `child.nid`, `mother.verified`…).
 * A partial update: `null` means "clear this field".
 */
export const opencrvsDeclarationSchema = z.record(z.string(), z.unknown())
export type OpencrvsDeclaration = z.infer<typeof opencrvsDeclarationSchema>

/** `{firstname, surname, middlename?}`, the value of `child.name`, `mother.name`… */
export const opencrvsNameFieldValueSchema = z.object({
  firstname: z.string(),
  surname: z.string(),
  middlename: z.string().optional()
})

/** The E-Signet/MOSIP verification status stored in `<page>.verified`. */
export const opencrvsVerificationStatusSchema = z.enum([
  'verified',
  'authenticated',
  'failed',
  'pending'
])

/**
 * One action of an EventDocument (ActionBase plus the per-type extras). Optional fields
 * are absent rather than null. `declaration` is absent on an asynchronously rejected
 * confirmation (`AsyncRejectActionDocument`); every other action carries one. Unknown keys are
 * kept, as later core versions add fields.
 */
export const opencrvsActionDocumentSchema = z.looseObject({
  id: z.string(),
  transactionId: z.string(),
  type: opencrvsActionTypeSchema,
  status: opencrvsActionStatusSchema,
  createdAt: z.string(),
  createdBy: z.string(),
  createdByUserType: z.enum(['user', 'system']).optional(),
  createdByRole: z.string().optional(),
  createdBySignature: z.string().nullable().optional(),
  createdAtLocation: z.string().nullable().optional(),
  declaration: opencrvsDeclarationSchema.optional(),
  annotation: z.record(z.string(), z.unknown()).nullable().optional(),
  originalActionId: z.string().nullable().optional(),
  /** REGISTER: always present on an Accepted registration. */
  registrationNumber: z.string().optional(),
  /** ASSIGN. */
  assignedTo: z.string().optional(),
  /** APPROVE_CORRECTION and REJECT_CORRECTION: id of the REQUEST_CORRECTION action. */
  requestId: z.string().optional(),
  /** REJECT, ARCHIVE, REJECT_CORRECTION `{reason}`; APPROVE_CORRECTION `{immediateCorrection?}`… */
  content: z.record(z.string(), z.unknown()).optional(),
  /** CUSTOM (v2.0). */
  customActionType: z.string().optional()
})
export type OpencrvsActionDocument = z.infer<typeof opencrvsActionDocumentSchema>

/** The EventDocument core returns from the events API and sends as the trigger body. */
export const opencrvsEventDocumentSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  /** 6 characters from 0-9A-Z. */
  trackingId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  actions: z.array(opencrvsActionDocumentSchema)
})
export type OpencrvsEventDocument = z.infer<typeof opencrvsEventDocumentSchema>
