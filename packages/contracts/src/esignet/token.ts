import { z } from 'zod'

export const CLIENT_ASSERTION_TYPE_JWT_BEARER =
  'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/**
 * Form body of `POST /oauth/v2/token` (and the legacy `/oauth/token`),
 * `application/x-www-form-urlencoded`. `redirect_uri` must be exactly the one sent to
 * `/authorize`.
 */
export const esignetTokenRequestSchema = z.object({
  grant_type: z.literal('authorization_code'),
  code: z.string().min(1),
  redirect_uri: z.string().min(1),
  client_id: z.string().min(1).optional(),
  client_assertion_type: z.literal(CLIENT_ASSERTION_TYPE_JWT_BEARER),
  client_assertion: z.string().min(1),
  code_verifier: z.string().min(1).optional()
})
export type EsignetTokenRequest = z.infer<typeof esignetTokenRequestSchema>

/**
 * Claims of the `private_key_jwt` client assertion (RS256, header `typ: JWT`):
 * `iss = sub = client_id`, `aud` = the token endpoint URL that is called, a unique `jti`.
 */
export const esignetClientAssertionClaimsSchema = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1),
  aud: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(1),
  nbf: z.number().int().optional()
})
export type EsignetClientAssertionClaims = z.infer<typeof esignetClientAssertionClaimsSchema>

/** `TokenResponse`: `expires_in` is a number of seconds. */
export const esignetTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  expires_in: z.number().int().positive(),
  id_token: z.string().min(1).optional()
})
export type EsignetTokenResponse = z.infer<typeof esignetTokenResponseSchema>

/** Error body of `/oauth/*` (HTTP 400): `error` holds eSignet's code, e.g. `invalid_assertion`. */
export const oauthErrorSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional()
})
export type OAuthError = z.infer<typeof oauthErrorSchema>

/** `error` values eSignet's token endpoint answers with. */
export const ESIGNET_TOKEN_ERRORS = {
  invalidRequest: 'invalid_request',
  invalidTransaction: 'invalid_transaction',
  invalidClientId: 'invalid_client_id',
  invalidRedirectUri: 'invalid_redirect_uri',
  invalidAssertionType: 'invalid_assertion_type',
  invalidAssertion: 'invalid_assertion',
  invalidGrantType: 'invalid_grant_type',
  invalidPkceCodeVerifier: 'invalid_pkce_code_verifier',
  pkceFailed: 'pkce_check_failed'
} as const
