/**
 * MOSIP kernel request/response wrappers and the auth manager's `clientidsecretkey` login. The
 * wrappers are the ones the packet manager, the registration processor and the other MOSIP
 * services use.
 *
 * The schemas describe what MOSIP accepts and answers, not stricter: Jackson ignores unknown
 * request keys and MOSIP adds response keys between versions, so responses keep unknown keys.
 */
import { z } from 'zod'

/** Path of the login on the auth manager (`AuthController.clientIdSecretKey`). */
export const MOSIP_AUTH_CLIENT_ID_SECRET_KEY_PATH = '/v1/authmanager/authenticate/clientidsecretkey'

/**
 * Name of the cookie the token is set in and read from (`mosipEnvironment.getAuthTokenHeader()`).
 * The login also answers a plain `Authorization: <jwt>` response header; the services read only
 * the cookie (`Cookie: Authorization=<jwt>`).
 */
export const MOSIP_AUTH_COOKIE = 'Authorization'

/**
 * Error codes that refuse the caller's token. Services behind the kernel auth adapter answer
 * HTTP 401 / 403 with the first two; the auth manager's token checks report the other two.
 */
export const MOSIP_AUTH_ERROR_CODES = {
  unauthenticated: 'KER-ATH-401',
  forbidden: 'KER-ATH-403',
  /** Login: a blank `clientId`, `secretKey` or `appId` (HTTP 200, one entry per member). */
  blankClientSecret: 'KER-ATH-019',
  /** Login: the `appId` maps to no Keycloak realm (HTTP 200). */
  realmNotFound: 'KER-ATH-026',
  /** The request carried no token in its cookies. */
  tokenNotInCookies: 'KER-ATH-007',
  /** The token is not in the auth manager's token store (logged out or replaced): log in again. */
  tokenNotInDatastore: 'KER-ATH-008'
} as const

/**
 * `id` and `version` the reference clients send where the service does not check them (auth
 * manager login, createPacket): the literal text `"string"`.
 */
export const MOSIP_UNCHECKED_REQUEST_ID = 'string'

/** `ServiceError` of the kernel `ResponseWrapper`: `{errorCode, message}`. */
export const mosipServiceErrorSchema = z.looseObject({
  errorCode: z.string(),
  message: z.string().nullish()
})
export type MosipServiceError = z.infer<typeof mosipServiceErrorSchema>

/**
 * Kernel `RequestWrapper<T>`. `id`/`version` are free text for most services (clients send the
 * literal `"string"`); services that check them (workflow instance, status search) answer an error
 * envelope, not a parse failure, so they are optional here. `requesttime` is UTC
 * `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in practice.
 */
export function mosipRequestWrapperSchema<Request extends z.ZodType>(request: Request) {
  return z.object({
    id: z.string().nullish(),
    version: z.string().nullish(),
    requesttime: z.string().nullish(),
    metadata: z.unknown().optional(),
    request
  })
}

/**
 * Kernel `ResponseWrapper<T>`. Failures are usually HTTP 200 with `errors[]` and a null
 * `response`; the packet manager can even answer 200 with `response: null` and no error.
 */
export function mosipResponseWrapperSchema<Response extends z.ZodType>(response: Response) {
  return z.looseObject({
    id: z.string().nullish(),
    version: z.string().nullish(),
    responsetime: z.string().nullish(),
    metadata: z.unknown().optional(),
    response: response.nullish(),
    errors: z.array(mosipServiceErrorSchema).nullish()
  })
}

/** Any MOSIP envelope, `response` left open: what a 401/403 or an error answer carries. */
export const mosipResponseEnvelopeSchema = mosipResponseWrapperSchema(z.unknown())
export type MosipResponseEnvelope = z.infer<typeof mosipResponseEnvelopeSchema>

/** `ClientSecret`; `appId` picks the Keycloak realm (`admin`, `ida`, `regproc`, ...). */
export const mosipClientSecretSchema = z.object({
  clientId: z.string(),
  secretKey: z.string(),
  appId: z.string()
})
export type MosipClientSecret = z.infer<typeof mosipClientSecretSchema>

export const mosipAuthRequestSchema = mosipRequestWrapperSchema(mosipClientSecretSchema)
export type MosipAuthRequest = z.infer<typeof mosipAuthRequestSchema>

/** `AuthNResponse`; `status` is `Success` or `SUCCESS` depending on the version. */
export const mosipAuthResultSchema = z.looseObject({
  status: z.string(),
  message: z.string().nullish()
})
export type MosipAuthResult = z.infer<typeof mosipAuthResultSchema>

/**
 * Body of the login answer. The token itself is only in `Set-Cookie: Authorization=<jwt>; …` and
 * the `Authorization` response header; a failed login has no cookie (and `errors[]`).
 */
export const mosipAuthResponseSchema = mosipResponseWrapperSchema(mosipAuthResultSchema)
export type MosipAuthResponse = z.infer<typeof mosipAuthResponseSchema>
