import { z } from 'zod'
import { opencrvsDeclarationSchema } from './event-document.js'
import type { OpencrvsVersion } from './versions.js'

/**
 * Input schemas of the events API procedures the bridge calls. They depend
 * on the version: v1.9 (zod 3 `string().uuid()`) accepts any 8-4-4-4-12 hex id, v2.0 (zod 4
 * `z.uuid()`) is RFC-strict, so `11111111-1111-1111-1111-111111111111` fails there. `waitFor`
 * exists from v2.0 on. Objects strip unknown keys except where noted.
 */
export function opencrvsUuidSchema(version: OpencrvsVersion) {
  return version === 'v1.9' ? z.guid() : z.uuid()
}

const keepAssignmentFields = {
  keepAssignment: z.boolean().optional(),
  keepAssignmentIfAccepted: z.boolean().optional(),
  keepAssignmentIfRejected: z.boolean().optional()
}

/** BaseActionInput: fields every action input shares. */
export function opencrvsBaseActionInputShape(version: OpencrvsVersion) {
  const uuid = opencrvsUuidSchema(version)
  return {
    eventId: uuid,
    transactionId: z.string(),
    declaration: opencrvsDeclarationSchema.default({}),
    annotation: opencrvsDeclarationSchema.optional(),
    originalActionId: uuid.optional(),
    ...keepAssignmentFields,
    ...(version === 'v1.9' ? {} : { waitFor: z.boolean().optional() }),
    createdAtLocation: uuid.nullable().optional()
  }
}

/** AsyncActionInput: `{eventId, transactionId, keepAssignment, waitFor (v2.0)}` plus `actionId`. */
function asyncActionShape(version: OpencrvsVersion) {
  const uuid = opencrvsUuidSchema(version)
  return {
    eventId: uuid,
    transactionId: z.string(),
    actionId: uuid,
    keepAssignment: z.boolean().optional(),
    ...(version === 'v1.9' ? {} : { waitFor: z.boolean().optional() })
  }
}

/**
 * `event.actions.register.accept`: RegisterActionInput + AsyncActionInput +
 * `{registrationNumber}` (required). Unknown keys are stripped, not rejected.
 */
export function opencrvsRegisterAcceptInputSchema(version: OpencrvsVersion) {
  return z.object({
    ...opencrvsBaseActionInputShape(version),
    ...asyncActionShape(version),
    type: z.literal('REGISTER').default('REGISTER'),
    registrationNumber: z.string()
  })
}
export type OpencrvsRegisterAcceptInput = z.input<
  ReturnType<typeof opencrvsRegisterAcceptInputSchema>
>

/** `event.actions.<action>.reject`: `{eventId, actionId, transactionId, keepAssignment?, waitFor?}`. */
export function opencrvsAsyncRejectInputSchema(version: OpencrvsVersion) {
  return z.object(asyncActionShape(version))
}
export type OpencrvsAsyncRejectInput = z.input<ReturnType<typeof opencrvsAsyncRejectInputSchema>>

/**
 * `event.actions.correction.approve.accept`: ApproveCorrectionActionInput + AsyncActionInput;
 * `requestId` (the REQUEST_CORRECTION action's id) is required.
 */
export function opencrvsApproveCorrectionAcceptInputSchema(version: OpencrvsVersion) {
  return z.object({
    ...opencrvsBaseActionInputShape(version),
    ...asyncActionShape(version),
    type: z.literal('APPROVE_CORRECTION').default('APPROVE_CORRECTION'),
    requestId: z.string(),
    ...(version === 'v1.9'
      ? {}
      : { content: z.object({ immediateCorrection: z.boolean().optional() }).optional() })
  })
}
export type OpencrvsApproveCorrectionAcceptInput = z.input<
  ReturnType<typeof opencrvsApproveCorrectionAcceptInputSchema>
>

/**
 * `accept` of the other confirmable actions: the action's input + AsyncActionInput. Their
 * type-specific fields (`content`, `requestId`) are accepted loosely here.
 */
export function opencrvsGenericAcceptInputSchema(version: OpencrvsVersion) {
  return z.object({
    ...opencrvsBaseActionInputShape(version),
    ...asyncActionShape(version),
    requestId: z.string().optional(),
    content: z.record(z.string(), z.unknown()).optional()
  })
}

/**
 * `event.actions.reject.request` ("send for updates"): Base + `{type: "REJECT", content:
 * {reason}}`. v2.0 makes every `request` input strict: an extra key such as `actionId` is a
 * BAD_REQUEST; v1.9 strips it.
 */
export function opencrvsRejectDeclarationRequestInputSchema(version: OpencrvsVersion) {
  const shape = {
    ...opencrvsBaseActionInputShape(version),
    type: z.literal('REJECT').default('REJECT'),
    content: z.object({ reason: z.string().min(1) })
  }
  return version === 'v1.9' ? z.object(shape) : z.strictObject(shape)
}
export type OpencrvsRejectDeclarationRequestInput = z.input<
  ReturnType<typeof opencrvsRejectDeclarationRequestInputSchema>
>

/**
 * `event.get`: v1.9 takes the bare event UUID; v2.0 `{eventId, customActionType?, waitFor?}`.
 */
export function opencrvsEventGetInputSchema(version: OpencrvsVersion) {
  if (version === 'v1.9') return opencrvsUuidSchema(version)
  return z.object({
    eventId: opencrvsUuidSchema(version),
    customActionType: z.string().optional(),
    waitFor: z.boolean().default(true)
  })
}
