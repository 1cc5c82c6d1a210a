/**
 * Registration processor: the workflow-instance API that starts processing a packet, the status
 * search APIs used to reconcile stalled records, and the workflow-completed event.
 */
import { z } from 'zod'
import {
  mosipRequestWrapperSchema,
  mosipResponseWrapperSchema,
  mosipServiceErrorSchema
} from './auth.js'

export const MOSIP_WORKFLOW_INSTANCE_PATH =
  '/registrationprocessor/v1/workflowmanager/workflowinstance'
/** Checked case-insensitively against `mosip.regproc.workflow-manager.instance.api-id`/`.version`. */
export const MOSIP_WORKFLOW_INSTANCE_ID = 'mosip.registration.processor.workflow.instance'
export const MOSIP_WORKFLOW_INSTANCE_VERSION = 'v1'

export const MOSIP_REGISTRATION_STATUS_SEARCH_PATH =
  '/registrationprocessor/v1/registrationstatus/search'
export const MOSIP_REGISTRATION_STATUS_ID = 'mosip.registration.status'
export const MOSIP_REGISTRATION_STATUS_VERSION = '1.0'

export const MOSIP_EXTERNAL_STATUS_SEARCH_PATH =
  '/registrationprocessor/v1/registrationstatus/externalstatus/search'
export const MOSIP_EXTERNAL_STATUS_ID = 'mosip.registration.external.status'
export const MOSIP_EXTERNAL_STATUS_VERSION = '1.0'
/**
 * Ids per status search: `registration.processor.fetch.registration.records.limit` (100 by
 * default); `/search` ignores the ids beyond it.
 */
export const MOSIP_STATUS_SEARCH_MAX_IDS = 100

/** Error codes of the workflow-instance API (always HTTP 200). */
export const MOSIP_WORKFLOW_ERROR_CODES = {
  /** `Missing Request Value - id|version|requesttime`. */
  missingInput: 'RPR-WIN-000',
  /** `Invalid Request Value - id|version|requesttime` (mismatch or unparsable). */
  invalidInput: 'RPR-WIN-001',
  /** Unknown exception in the API layer. */
  apiUnknown: 'RPR-WIN-002',
  /** Unknown exception in the service: process not configured, keymanager, database, ... */
  unknown: 'RPR-WIS-000',
  /** The same registrationId + process already has an instance: the earlier call succeeded. */
  alreadyPresent: 'RPR-WIS-001'
} as const

/** Error codes of the status APIs. */
export const MOSIP_STATUS_ERROR_CODES = {
  /** Wraps every request-validation failure, which follows as a second entry. */
  dataValidationFailed: 'RPR-RGS-015',
  unknown: 'RPR-RGS-018',
  missingVersion: 'RPR-RGS-019',
  missingRequesttime: 'RPR-RGS-020',
  missingId: 'RPR-RGS-021',
  invalidVersion: 'RPR-RGS-022',
  invalidRequesttime: 'RPR-RGS-023',
  invalidId: 'RPR-RGS-024',
  /** Per registration id in `errors[]` (key `errorMessage`, not `message`). */
  ridNotFound: 'RPR-RGS-031'
} as const

/** Topic of the regproc workflow-completed event (config `mosip.regproc.workflow.complete.topic`). */
export const MOSIP_WORKFLOW_COMPLETED_TOPIC = 'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'

// ---------------------------------------------------------------------------------------------
// Workflow instance

/** Used by MOSIP for SMS/email notifications; stored encrypted. */
export const mosipNotificationInfoSchema = z.object({
  name: z.string().nullish(),
  phone: z.string().nullish(),
  email: z.string().nullish()
})
export type MosipNotificationInfo = z.infer<typeof mosipNotificationInfoSchema>

export const mosipWorkflowInstanceDetailsSchema = z.object({
  /** The packet's id (AID/RID). The packet must exist. */
  registrationId: z.string(),
  process: z.string(),
  source: z.string(),
  additionalInfoReqId: z.string().nullish(),
  notificationInfo: mosipNotificationInfoSchema.nullish()
})
export type MosipWorkflowInstanceDetails = z.infer<typeof mosipWorkflowInstanceDetailsSchema>

/**
 * `WorkflowInstanceDTO`. `id`, `version` and `requesttime` are required by the service, which
 * reports them missing or invalid as `RPR-WIN-000`/`RPR-WIN-001`; `requesttime` must be exactly
 * `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
 */
export const mosipWorkflowInstanceRequestSchema = mosipRequestWrapperSchema(
  mosipWorkflowInstanceDetailsSchema
)
export type MosipWorkflowInstanceRequest = z.infer<typeof mosipWorkflowInstanceRequestSchema>

export const mosipWorkflowInstanceResultSchema = z.looseObject({
  /** A UUID. */
  workflowInstanceId: z.string()
})
export const mosipWorkflowInstanceResponseSchema = mosipResponseWrapperSchema(
  mosipWorkflowInstanceResultSchema
)
export type MosipWorkflowInstanceResponse = z.infer<typeof mosipWorkflowInstanceResponseSchema>

// ---------------------------------------------------------------------------------------------
// Status search

/** Internal statuses of the registration table (`RegistrationStatusCode`). */
export const mosipInternalStatusCodeSchema = z.enum([
  'PROCESSING',
  'PROCESSED',
  'REJECTED',
  'FAILED',
  'RESUMABLE',
  'REPROCESS',
  'PAUSED',
  'REPROCESS_FAILED',
  'PAUSED_FOR_ADDITIONAL_INFO'
])
export type MosipInternalStatusCode = z.infer<typeof mosipInternalStatusCodeSchema>

/** External statuses (`RegistrationExternalStatusCode`), as `externalstatus/search` reports them. */
export const mosipExternalStatusCodeSchema = z.enum([
  'PROCESSING',
  'REREGISTER',
  'PROCESSED',
  'RESEND',
  'RECEIVED',
  'REJECTED',
  'REPROCESS_FAILED',
  'UPLOAD_PENDING',
  'UIN_GENERATED',
  'AWAITING_INFORMATION'
])
export type MosipExternalStatusCode = z.infer<typeof mosipExternalStatusCodeSchema>

/**
 * External statuses `/search` reports as `PROCESSED` (config
 * `…registration.status.external-statuses-to-consider-processed`): on `/search`, `PROCESSED`
 * does not mean success.
 */
export const MOSIP_STATUSES_CONSIDERED_PROCESSED = [
  'UIN_GENERATED',
  'REREGISTER',
  'REJECTED',
  'REPROCESS_FAILED'
] as const

export const mosipStatusSearchItemSchema = z.object({ registrationId: z.string() })

/**
 * Request of both `registrationstatus/search` and `externalstatus/search`. `requesttime` must be
 * `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` and within the grace period (3 h by default) of server time.
 * `/search` processes at most 100 ids.
 */
export const mosipStatusSearchRequestSchema = mosipRequestWrapperSchema(
  z.array(mosipStatusSearchItemSchema)
)
export type MosipStatusSearchRequest = z.infer<typeof mosipStatusSearchRequestSchema>

export const mosipRegistrationStatusSchema = z.looseObject({
  registrationId: z.string(),
  statusCode: z.string(),
  additionalInfoReqId: z.string().nullish()
})
export type MosipRegistrationStatus = z.infer<typeof mosipRegistrationStatusSchema>

/**
 * An entry of `errors[]` in the status answers: per unknown id
 * `{registrationId, errorCode: "RPR-RGS-031", errorMessage: "RID Not Found"}`; request-validation
 * failures carry `{errorCode, message}` instead.
 */
export const mosipStatusErrorSchema = mosipServiceErrorSchema.extend({
  registrationId: z.string().nullish(),
  errorMessage: z.string().nullish()
})
export type MosipStatusError = z.infer<typeof mosipStatusErrorSchema>

export const mosipStatusSearchResponseSchema = mosipResponseWrapperSchema(
  z.array(mosipRegistrationStatusSchema)
).extend({ errors: z.array(mosipStatusErrorSchema).nullish() })
export type MosipStatusSearchResponse = z.infer<typeof mosipStatusSearchResponseSchema>

// ---------------------------------------------------------------------------------------------
// Workflow-completed event (published on the hub, body is the DTO itself)

/**
 * `WorkflowCompletedEventDTO`: the only signal of a rejection (no credential is issued then).
 * `resultCode` is the internal status (`PROCESSED`, `REJECTED`, `FAILED`); `errorCode` is
 * `PACKET_REJECTED` / `PACKET_FAILED`, or null on success.
 */
export const mosipWorkflowCompletedEventSchema = z.looseObject({
  /** The registration id (AID/RID). */
  instanceId: z.string(),
  resultCode: z.string(),
  /** The process, e.g. `CRVS_NEW`. */
  workflowType: z.string(),
  errorCode: z.string().nullish()
})
export type MosipWorkflowCompletedEvent = z.infer<typeof mosipWorkflowCompletedEventSchema>
