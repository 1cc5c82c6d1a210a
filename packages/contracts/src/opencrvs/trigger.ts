import { z } from 'zod'
import { opencrvsDeclarationSchema, opencrvsEventDocumentSchema } from './event-document.js'

/**
 * The action-confirmation request core sends to the country configuration
 * and how core reads the answer.
 */

/** `POST new URL('/trigger/events/${eventType}/actions/${actionType}', COUNTRY_CONFIG_URL)`. */
export function opencrvsTriggerPath(eventType: string, actionType: string): string {
  return `/trigger/events/${eventType}/actions/${actionType}`
}

/** Headers core sets: `Content-Type: application/json`, `Authorization: Bearer <action token>`. */
export const opencrvsTriggerHeadersSchema = z.looseObject({
  'content-type': z.string().startsWith('application/json'),
  authorization: z.string().regex(/^Bearer \S+$/)
})

/**
 * The body is the **bare** EventDocument (not `{event: …}` as the OpenAPI text says), with the
 * Requested action last in `actions`.
 */
export const opencrvsTriggerRequestBodySchema = opencrvsEventDocumentSchema

/**
 * 200 body core reads: unknown keys stripped, `declaration` defaults to `{}`. For REGISTER
 * `registrationNumber` is required (see the REGISTER variant).
 */
export const opencrvsTriggerSuccessBodySchema = z.object({
  declaration: opencrvsDeclarationSchema.default({}),
  annotation: z.record(z.string(), z.unknown()).optional(),
  registrationNumber: z.string().optional()
})
export const opencrvsRegisterTriggerSuccessBodySchema = opencrvsTriggerSuccessBodySchema.extend({
  registrationNumber: z.string()
})
export type OpencrvsTriggerSuccessBody = z.input<typeof opencrvsTriggerSuccessBodySchema>

/**
 * Core's reading of the status: 200 Success (accepted now), 202 RequiresProcessing (stays
 * Requested), 400 Rejected (body ignored); anything else, or a network error, is
 * UnexpectedFailure and leaves the Requested action behind.
 */
export const OPENCRVS_TRIGGER_STATUS = {
  200: 'Success',
  202: 'RequiresProcessing',
  400: 'Rejected'
} as const
