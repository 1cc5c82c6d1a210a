import { z } from 'zod'

/** JWT facts of the OpenCRVS auth service. */

export const OPENCRVS_JWT_ISSUER = 'opencrvs:auth-service'
export const OPENCRVS_JWT_ALGORITHM = 'RS256'

/** Audiences each service requires. */
export const OPENCRVS_AUDIENCE = {
  gateway: 'opencrvs:gateway-user',
  events: 'opencrvs:events-user',
  auth: 'opencrvs:auth-user',
  countryConfig: 'opencrvs:countryconfig-user'
} as const

/** `aud` of the action-bound token and of user/system tokens in v1.9. */
export const OPENCRVS_V19_TOKEN_AUDIENCES = [
  'opencrvs:gateway-user',
  'opencrvs:user-mgnt-user',
  'opencrvs:auth-user',
  'opencrvs:hearth-user',
  'opencrvs:notification-user',
  'opencrvs:workflow-user',
  'opencrvs:search-user',
  'opencrvs:metrics-user',
  'opencrvs:countryconfig-user',
  'opencrvs:webhooks-user',
  'opencrvs:config-user',
  'opencrvs:documents-user',
  'opencrvs:notification-api-user'
] as const

/** `aud` of the action-bound token in v2.0. */
export const OPENCRVS_V20_ACTION_TOKEN_AUDIENCES = [
  'opencrvs:gateway-user',
  'opencrvs:events-user',
  'opencrvs:user-mgnt-user',
  'opencrvs:auth-user',
  'opencrvs:countryconfig-user',
  'opencrvs:documents-user'
] as const

/** `aud` of user and system tokens in v2.0 (`WEB_USER_JWT_AUDIENCES`). */
export const OPENCRVS_V20_USER_TOKEN_AUDIENCES = [
  'opencrvs:auth-user',
  'opencrvs:user-mgnt-user',
  'opencrvs:gateway-user',
  'opencrvs:events-user',
  'opencrvs:countryconfig-user',
  'opencrvs:documents-user'
] as const

/** Default lifetimes, seconds (OpenCRVS core, `packages/auth/src/environment.ts`). */
export const OPENCRVS_TOKEN_LIFETIME_SECONDS = {
  /** `CONFIG_ACTION_CONFIRMATION_TOKEN_EXPIRY_SECONDS`: 7 days. */
  actionConfirmation: 604_800,
  /** `CONFIG_TOKEN_EXPIRY_SECONDS`. */
  user: 604_800,
  /** `CONFIG_SYSTEM_TOKEN_EXPIRY_SECONDS`. */
  system: 600
} as const

/** Scope names that matter. v1.9 writes them plain, v2.0 as `type=<name>&…`. */
export const OPENCRVS_SCOPE = {
  confirmRegistration: 'record.confirm-registration',
  rejectRegistration: 'record.reject-registration',
  read: 'record.read',
  register: 'record.register',
  /** v2.0 "reject declaration / send for updates". */
  reject: 'record.reject',
  /** v1.9 "reject declaration / send for updates". */
  declaredReject: 'record.declared.reject',
  /** v2.0 approve a correction. */
  correct: 'record.correct',
  /** v1.9 approve a correction. */
  registeredCorrect: 'record.registered.correct',
  /** 2.1 only, held by a system client. */
  actionAccept: 'record.action.accept',
  /** 2.1 only, held by a system client. */
  actionReject: 'record.action.reject'
} as const

/**
 * Claims of tokens the auth service mints. `scope` is plain strings in v1.9 and qs-encoded
 * (`type=record.read&event=birth,death`) in v2.0; the 2.1 trigger token carries none.
 */
export const opencrvsTokenClaimsSchema = z.looseObject({
  iss: z.literal(OPENCRVS_JWT_ISSUER),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  iat: z.number().int(),
  exp: z.number().int(),
  scope: z.array(z.string()).optional(),
  userType: z.enum(['user', 'system']).optional(),
  eventId: z.string().optional(),
  actionId: z.string().optional(),
  /** Legacy pre-1.9 record token only. */
  recordId: z.string().optional()
})
export type OpencrvsTokenClaims = z.infer<typeof opencrvsTokenClaimsSchema>

/** The action-bound ("record-specific") token sent with the trigger. */
export const opencrvsActionTokenClaimsSchema = opencrvsTokenClaimsSchema.extend({
  eventId: z.string(),
  actionId: z.string()
})
export type OpencrvsActionTokenClaims = z.infer<typeof opencrvsActionTokenClaimsSchema>

/** Parameter values of the token-exchange grant. */
export const OPENCRVS_TOKEN_EXCHANGE = {
  grantType: 'urn:opencrvs:oauth:grant-type:token-exchange',
  subjectTokenType: 'urn:ietf:params:oauth:token-type:access_token',
  requestedTokenType: 'urn:opencrvs:oauth:token-type:single_record_token'
} as const

/**
 * `POST {AUTH_URL}/token` client_credentials parameters: query string (v1.9), form body or query
 * (v2.0).
 */
export const opencrvsClientCredentialsRequestSchema = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().min(1),
  client_secret: z.string().min(1)
})

/** `POST {AUTH_URL}/token` token-exchange parameters (query string). */
export const opencrvsTokenExchangeRequestSchema = z.object({
  grant_type: z.literal(OPENCRVS_TOKEN_EXCHANGE.grantType),
  subject_token: z.string().min(1),
  subject_token_type: z.literal(OPENCRVS_TOKEN_EXCHANGE.subjectTokenType),
  requested_token_type: z.literal(OPENCRVS_TOKEN_EXCHANGE.requestedTokenType),
  event_id: z.string().min(1),
  action_id: z.string().min(1)
})

/** 200 answer of both grants (with `Cache-Control: no-store`). */
export const opencrvsTokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer')
})
export type OpencrvsTokenResponse = z.infer<typeof opencrvsTokenResponseSchema>

/** 400/401 answers of `/token` (with `Cache-Control: no-store`). */
export const opencrvsOauthErrorSchema = z.object({
  error: z.enum([
    'invalid_request',
    'unsupported_grant_type',
    'invalid_client',
    'unauthorized_client'
  ]),
  error_description: z.string().optional(),
  error_uri: z.string().optional()
})
export type OpencrvsOauthError = z.infer<typeof opencrvsOauthErrorSchema>

/** What the gateway (hapi/Boom, not tRPC) answers for a missing, bad or expired token. */
export const opencrvsGatewayUnauthorizedSchema = z.looseObject({
  statusCode: z.literal(401),
  error: z.literal('Unauthorized'),
  message: z.string()
})
