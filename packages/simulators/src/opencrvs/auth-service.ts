import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  OPENCRVS_AUDIENCE,
  OPENCRVS_TOKEN_EXCHANGE,
  type OpencrvsOauthError,
  type OpencrvsTokenResponse,
  type OpencrvsVersion
} from '@mosip-bridge/contracts'
import type { OpencrvsTokenService } from './token-service.js'

/** A system client ("integration") registered in core, with its scopes as configured. */
export interface OpencrvsSystemClient {
  clientId: string
  clientSecret: string
  /** The system's id, the token's `sub` (a user-mgnt id in core). */
  id: string
  /** In the version's format (plain/bracket for v1.9, `type=…` for v2.0 and 2.1). */
  scopes: string[]
}

interface AuthServiceDeps {
  version: OpencrvsVersion
  tokens: OpencrvsTokenService
  clients: () => readonly OpencrvsSystemClient[]
}

const ERROR_URI = 'https://datatracker.ietf.org/doc/html/rfc6749#section-5.2'

const INVALID_REQUEST: OpencrvsOauthError = {
  error: 'invalid_request',
  error_description: 'Invalid request. Check that all required parameters have been provided.',
  error_uri: ERROR_URI
}
const UNSUPPORTED_GRANT_TYPE: OpencrvsOauthError = {
  error: 'unsupported_grant_type',
  error_description: 'The authorization grant type is not supported by the authorization server.',
  error_uri: ERROR_URI
}
const INVALID_CLIENT: OpencrvsOauthError = {
  error: 'invalid_client',
  error_description: 'Invalid client id or secret',
  error_uri: ERROR_URI
}
const INVALID_SUBJECT_TOKEN: OpencrvsOauthError = {
  error: 'unauthorized_client',
  error_description: 'Invalid subject token'
}

/**
 * `POST {AUTH_URL}/token`: client_credentials for system clients and, in
 * v1.9/v2.0, the token exchange for an action-bound token. v1.9 reads the query string only;
 * v2.0 the form body or the query. Every answer carries `Cache-Control: no-store`.
 */
export function createTokenHandler(deps: AuthServiceDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const params = readParams(request, deps.version)
    const send = (status: number, body: OpencrvsTokenResponse | OpencrvsOauthError) =>
      reply.status(status).header('cache-control', 'no-store').send(body)
    const grantType = params['grant_type']

    if (grantType === undefined || grantType === '') return send(400, INVALID_REQUEST)

    if (grantType === 'client_credentials') {
      const clientId = params['client_id']
      const clientSecret = params['client_secret']
      if (!clientId || !clientSecret) return send(400, INVALID_REQUEST)
      const client = deps
        .clients()
        .find((c) => c.clientId === clientId && c.clientSecret === clientSecret)
      if (!client) return send(401, INVALID_CLIENT)
      const token = await deps.tokens.sign(
        {
          scope: [...client.scopes],
          userType: 'system',
          sub: client.id,
          aud: deps.tokens.userAudiences
        },
        deps.tokens.lifetimes.system
      )
      return send(200, { access_token: token, token_type: 'Bearer' })
    }

    // Token exchange was removed in 2.1 (opencrvs-core PR #13644).
    if (grantType === OPENCRVS_TOKEN_EXCHANGE.grantType && deps.version !== 'v2.1') {
      const subjectToken = params['subject_token']
      const eventId = params['event_id']
      const actionId = params['action_id']
      if (
        !subjectToken ||
        !eventId ||
        !actionId ||
        params['subject_token_type'] !== OPENCRVS_TOKEN_EXCHANGE.subjectTokenType ||
        params['requested_token_type'] !== OPENCRVS_TOKEN_EXCHANGE.requestedTokenType
      ) {
        return send(400, INVALID_REQUEST)
      }
      const subject = await deps.tokens.verify(subjectToken, OPENCRVS_AUDIENCE.auth)
      if (!subject.ok) return send(401, INVALID_SUBJECT_TOKEN)
      // Core checks neither the event nor the action: anyone authenticated can exchange (#13304).
      const token = await deps.tokens.signActionToken(subject.claims, eventId, actionId)
      return send(200, { access_token: token, token_type: 'Bearer' })
    }

    return send(400, UNSUPPORTED_GRANT_TYPE)
  }
}

function readParams(request: FastifyRequest, version: OpencrvsVersion): Record<string, string> {
  const query = stringRecord(request.query)
  if (version === 'v1.9') return query
  return { ...query, ...stringRecord(request.body) }
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {}
  const result: Record<string, string> = {}
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') result[key] = entry
  }
  return result
}
