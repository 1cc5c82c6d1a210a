import type { FastifyReply, FastifyRequest } from 'fastify'
import { OPENCRVS_AUDIENCE } from '@mosip-bridge/contracts'
import type { GatewayContext } from './events-router.js'
import type { OpencrvsTokenService } from './token-service.js'

interface GatewayAuthDeps {
  tokens: OpencrvsTokenService
  /** `CHECK_INVALID_TOKEN=true`: also refuse tokens marked invalidated. */
  checkInvalidToken: () => boolean
}

/**
 * The gateway's default JWT auth in front of `/events/*`: hapi-auth-jwt2 with
 * RS256, issuer `opencrvs:auth-service`, audience `opencrvs:gateway-user`. Failures are answered
 * by hapi/Boom as a 401 JSON object — not a tRPC envelope. The token is whatever remains of the
 * Authorization header once "Bearer" and spaces are removed. Returns undefined when it answered.
 */
export async function authenticateAtGateway(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: GatewayAuthDeps
): Promise<GatewayContext | undefined> {
  const header = request.headers.authorization
  const token = header?.replace(/Bearer/gi, '').replace(/ /g, '') ?? ''
  if (token === '') {
    await reply
      .status(401)
      .header('www-authenticate', 'Token')
      .send({ statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' })
    return undefined
  }
  const refuse = async (message: string): Promise<undefined> => {
    await reply
      .status(401)
      .header('www-authenticate', `Token error="${message}"`)
      .send({ statusCode: 401, error: 'Unauthorized', message, attributes: { error: message } })
    return undefined
  }
  if (token.split('.').length !== 3) return refuse('Invalid token format')
  const check = await deps.tokens.verify(token, OPENCRVS_AUDIENCE.gateway)
  if (!check.ok) return refuse(check.reason === 'expired' ? 'Expired token' : 'Invalid token')
  if (deps.checkInvalidToken() && deps.tokens.isInvalidated(token)) {
    return refuse('Invalid credentials')
  }
  return { token, claims: check.claims }
}
