/** OpenCRVS integration: JWT intake checks, the events API client and confirmation tokens. */
export { OpencrvsPublicKey, PUBLIC_KEY_CODES } from './public-key.js'
export type { OpencrvsKey, OpencrvsPublicKeyOptions } from './public-key.js'
export {
  COUNTRYCONFIG_AUDIENCE,
  DEFAULT_AUDIENCES,
  OPENCRVS_ISSUER,
  OpencrvsJwtVerifier,
  bearerToken
} from './jwt-verifier.js'
export type { OpencrvsClaims, OpencrvsJwtVerifierOptions, VerifyResult } from './jwt-verifier.js'
export { hasScope, parseScope, scopesFromClaim } from './scopes.js'
export type { ParsedScope, ScopeRequirement } from './scopes.js'
export { EVENTS_CODES, OpencrvsEventsClient, PROCEDURES, eventsUrl } from './events.client.js'
export type { EventGetInputShape, OpencrvsEventsClientOptions } from './events.client.js'
export { OpencrvsAuthClient, TOKEN_EXCHANGE, tokenUrl } from './auth.client.js'
export type { OpencrvsAuthClientOptions } from './auth.client.js'
export {
  ExchangedTokenSource,
  StoredActionTokenSource,
  SystemClientTokenSource,
  TOKEN_MODES,
  createTokenSource
} from './token-source.js'
export type { TokenMode, TokenSourceDependencies } from './token-source.js'
export { decodeExpiry } from './token-expiry.js'
export { UndefinedInputError, findUndefinedPath } from './trpc-input.js'
