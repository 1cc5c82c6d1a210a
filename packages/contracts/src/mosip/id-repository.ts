/**
 * MOSIP's ID repository: the identity update that changes an identity's status. MOSIP's Java
 * mediator for OpenCRVS deactivates a deceased person's UIN with it (reference notes, mosip.md
 * §8 "Death": `PATCH /idrepository/v1/identity/` with `{"id":"mosip.id.update","version":"v1.0",
 * "requesttime":…,"request":{"registrationId":<rid>,"status":"DEACTIVATED","identity":
 * {"IDSchemaVersion":0.0,"UIN":"<uin>"}}}`).
 */
import { z } from 'zod'

export const MOSIP_IDREPO_IDENTITY_PATH = '/idrepository/v1/identity/'
export const MOSIP_IDREPO_UPDATE_ID = 'mosip.id.update'
export const MOSIP_IDREPO_UPDATE_VERSION = 'v1.0'

/** Identity statuses of the ID repository (`mosip.idrepo.identity.uin-status.*`). */
export const MOSIP_IDENTITY_STATUS = {
  activated: 'ACTIVATED',
  deactivated: 'DEACTIVATED',
  blocked: 'BLOCKED'
} as const

/**
 * Error codes of the ID repository (`IdRepoErrorConstants` of mosip/id-repository; the reference
 * notes name none), reported inside the response wrapper's `errors[]`.
 */
export const MOSIP_IDREPO_ERROR_CODES = {
  /** `Missing Input Parameter - %s`. */
  missingInput: 'IDR-IDC-001',
  /** `Invalid Input Parameter - %s`. */
  invalidInput: 'IDR-IDC-002',
  /** `Invalid Request`. */
  invalidRequest: 'IDR-IDC-003',
  /** `Unknown error occured`. */
  unknown: 'IDR-IDC-004',
  /** `No Record(s) found`: no identity has this UIN. */
  noRecordFound: 'IDR-IDC-007'
} as const

export const mosipIdentityStatusUpdateSchema = z.object({
  id: z.string(),
  version: z.string(),
  requesttime: z.string(),
  request: z.object({
    registrationId: z.string().optional(),
    status: z.string(),
    identity: z.looseObject({ UIN: z.string() })
  })
})

export type MosipIdentityStatusUpdate = z.infer<typeof mosipIdentityStatusUpdateSchema>
