/**
 * What eSignet publishes about itself: its signing keys (`/.well-known/jwks.json`) and its OpenID
 * Provider metadata (`/.well-known/openid-configuration`).
 */
import type { OpenIdConfiguration } from '@mosip-bridge/contracts'
import type { JWK } from 'jose'
import { ESIGNET_ACR_VALUES } from './authorize-endpoint.js'
import { SUPPORTED_CLAIMS } from './esignet-user.js'
import type { SigningKey } from './signing-keys.js'

/** The public keys eSignet publishes (`/.well-known/jwks.json`), each with its certificate. */
export function publishedJwks(keys: readonly SigningKey[]): { keys: JWK[] } {
  return {
    keys: keys.map(({ key, kid }) => ({
      ...(key.publicKey.export({ format: 'jwk' }) as JWK),
      kid,
      use: 'sig',
      x5c: [key.certificateDer.toString('base64')],
      'x5t#S256': key.thumbprint.toString('base64url')
    }))
  }
}

export function openIdConfiguration(settings: {
  issuer: string
  authorizationEndpoint: string
  tokenEndpoint: string
  userinfoEndpoint: string
  jwksUri: string
  userinfoSigningAlg: 'PS256' | 'RS256'
}): OpenIdConfiguration {
  return {
    issuer: settings.issuer,
    authorization_endpoint: settings.authorizationEndpoint,
    token_endpoint: settings.tokenEndpoint,
    userinfo_endpoint: settings.userinfoEndpoint,
    jwks_uri: settings.jwksUri,
    scopes_supported: ['openid', 'profile', 'email', 'phone', 'address'],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['pairwise'],
    acr_values_supported: ESIGNET_ACR_VALUES,
    claims_supported: SUPPORTED_CLAIMS,
    claims_parameter_supported: true,
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    id_token_signing_alg_values_supported: ['RS256'],
    userinfo_signing_alg_values_supported: [settings.userinfoSigningAlg],
    userinfo_encryption_alg_values_supported: ['RSA-OAEP-256'],
    userinfo_encryption_enc_values_supported: ['A256GCM'],
    display_values_supported: ['page', 'popup', 'touch', 'wap'],
    ui_locales_supported: ['en']
  }
}
