import { z } from 'zod'

/** One entry of the OIDC `claims` request parameter (`null` means "voluntary, no options"). */
export const esignetClaimRequestSchema = z
  .looseObject({
    essential: z.boolean().optional(),
    value: z.string().optional(),
    values: z.array(z.string()).optional()
  })
  .nullable()
export type EsignetClaimRequest = z.infer<typeof esignetClaimRequestSchema>

/** The `claims` parameter of `/authorize`, sent as URL-encoded JSON. */
export const esignetClaimsParameterSchema = z.object({
  userinfo: z.record(z.string(), esignetClaimRequestSchema).optional(),
  id_token: z.record(z.string(), esignetClaimRequestSchema).optional()
})
export type EsignetClaimsParameter = z.infer<typeof esignetClaimsParameterSchema>

/** Query of `GET /authorize` (the browser redirect to the eSignet UI). */
export const esignetAuthorizeQuerySchema = z.object({
  client_id: z.string().min(1),
  redirect_uri: z.string().min(1),
  response_type: z.literal('code'),
  scope: z.string().min(1),
  claims: z.string().min(1),
  state: z.string().optional(),
  nonce: z.string().optional(),
  acr_values: z.string().optional(),
  claims_locales: z.string().optional(),
  ui_locales: z.string().optional(),
  display: z.string().optional(),
  prompt: z.string().optional(),
  max_age: z.string().optional(),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional()
})
export type EsignetAuthorizeQuery = z.infer<typeof esignetAuthorizeQuerySchema>

/** The subset of `/.well-known/openid-configuration` a relying party relies on. */
export const openIdConfigurationSchema = z.looseObject({
  issuer: z.string().min(1),
  authorization_endpoint: z.string().min(1),
  token_endpoint: z.string().min(1),
  userinfo_endpoint: z.string().min(1),
  jwks_uri: z.string().min(1),
  scopes_supported: z.array(z.string()).optional(),
  response_types_supported: z.array(z.string()).optional(),
  claims_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_signing_alg_values_supported: z.array(z.string()).optional(),
  userinfo_signing_alg_values_supported: z.array(z.string()).optional(),
  userinfo_encryption_alg_values_supported: z.array(z.string()).optional(),
  userinfo_encryption_enc_values_supported: z.array(z.string()).optional(),
  id_token_signing_alg_values_supported: z.array(z.string()).optional()
})
export type OpenIdConfiguration = z.infer<typeof openIdConfigurationSchema>
