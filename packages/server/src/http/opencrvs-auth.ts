import type { FastifyReply, FastifyRequest } from 'fastify'
import type { OpencrvsClaims, VerifyResult } from '../integrations/opencrvs/jwt-verifier.js'
import { hasScope } from '../integrations/opencrvs/scopes.js'

/** Verifies the `Authorization` header of a request against OpenCRVS's key. */
export interface TokenVerifier {
  verify(authorizationHeader: string | undefined): Promise<VerifyResult>
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Claims of the verified OpenCRVS token (routes guarded by requireOpencrvsToken). */
    opencrvs?: OpencrvsClaims
  }
}

/**
 * An onRequest hook: 401 without a valid OpenCRVS token (signature, issuer, audience, expiry),
 * 403 when `scope` is required and missing — checked before the body is even parsed.
 */
export function requireOpencrvsToken(verifier: TokenVerifier, scope?: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await verifier.verify(request.headers.authorization)
    if (!result.ok) {
      request.log.info({ reason: result.reason }, 'request refused: OpenCRVS token not accepted')
      return reply.status(result.status).send({
        statusCode: result.status,
        error: result.status === 401 ? 'Unauthorized' : 'Service Unavailable',
        message: result.reason
      })
    }
    if (scope && !hasScope(result.claims.scope, scope)) {
      return reply.status(403).send({
        statusCode: 403,
        error: 'Forbidden',
        message: `the token lacks the scope ${scope}`
      })
    }
    request.opencrvs = result.claims
  }
}
