import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { EsignetFailure } from '../../core/esignet-outcome.js'
import type { OidpUserInfo } from '../../core/esignet-person.js'
import type { EsignetLogin } from '../../integrations/esignet/esignet.client.js'
import { errorResponseSchema } from '../error-response.js'
import { requireOpencrvsToken, type TokenVerifier } from '../opencrvs-auth.js'

const OIDP_USER_INFO_PATH = '/esignet/get-oidp-user-info'

interface EsignetRouteDeps {
  verifier: TokenVerifier
  esignet: EsignetLogin
  /** Scope the token must carry (`ESIGNET_REQUIRED_SCOPE`); undefined: none. */
  requiredScope: string | undefined
  /**
   * The OpenCRVS client's origin (`CLIENT_APP_URL`). The form's HTTP field calls this route from
   * the browser, so the route answers CORS preflights and adds the CORS headers for that origin
   * (mosip-api registers CORS for `CLIENT_APP_URL`). Undefined: no CORS headers.
   */
  corsOrigin?: string
}

function requiredText(what: string) {
  const message = `is required: ${what}`
  return z.string({ error: message }).trim().min(1, message)
}

const oidpQuerySchema = z.looseObject({
  code: requiredText('the code E-Signet returned'),
  state: requiredText('the state E-Signet returned')
})

const oidpBodySchema = z.looseObject({
  clientId: requiredText('the relying party client id'),
  redirectUri: requiredText('the page the login returned to')
})

/** The person, as mosip-api answers it to the OpenCRVS form (plus `middlename`). */
const oidpUserInfoSchema = z.object({
  sub: z.string(),
  name: z.object({
    firstname: z.string(),
    middlename: z.string().optional(),
    surname: z.string()
  }),
  gender: z.string().optional(),
  dobUnknown: z.null().optional(),
  birthDate: z.string().optional(),
  verificationStatus: z.literal('authenticated'),
  idType: z.literal('NATIONAL_ID').nullable(),
  nid: z.string().nullable()
}) satisfies z.ZodType<OidpUserInfo>

const STATUS_TEXT: Record<EsignetFailure['status'], string> = {
  400: 'Bad Request',
  502: 'Bad Gateway',
  503: 'Service Unavailable'
}

function sendFailure(reply: FastifyReply, failure: EsignetFailure) {
  if (failure.retryAfterMs !== undefined) {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(failure.retryAfterMs / 1000))))
  }
  return reply.status(failure.status).send({
    statusCode: failure.status,
    error: STATUS_TEXT[failure.status],
    message: failure.message,
    code: failure.code
  })
}

function corsHook(origin: string | undefined) {
  const allowed = origin === undefined ? undefined : new URL(origin).origin
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (allowed === undefined || request.headers.origin !== allowed) return
    void reply.header('access-control-allow-origin', allowed).header('vary', 'Origin')
  }
}

/**
 * `POST /esignet/get-oidp-user-info?code=…&state=…` with `{ clientId, redirectUri }`: finishes an
 * E-Signet login for the OpenCRVS form and answers mosip-api's person shape, from a userinfo
 * whose signature was verified.
 */
export function registerEsignetRoutes(app: FastifyInstance, deps: EsignetRouteDeps): void {
  const cors = corsHook(deps.corsOrigin)

  if (deps.corsOrigin !== undefined) {
    app.options(OIDP_USER_INFO_PATH, { onRequest: cors, schema: { hide: true } }, (_req, reply) =>
      reply
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'Content-Type, Authorization')
        .header('access-control-max-age', '600')
        .status(204)
        .send()
    )
  }

  app.withTypeProvider<ZodTypeProvider>().post(
    OIDP_USER_INFO_PATH,
    {
      onRequest: [cors, requireOpencrvsToken(deps.verifier, deps.requiredScope)],
      config: { expectedBody: '{ clientId, redirectUri }' },
      schema: {
        tags: ['verification'],
        summary: 'Finish an E-Signet login and return the verified person',
        description:
          'Query `code` and `state` as E-Signet returned them; body `{ clientId, redirectUri }`. ' +
          'Answers the verified person. 400 for a code, state, client id or redirect URI ' +
          'E-Signet refuses; 502 when E-Signet refuses the bridge or its userinfo does not verify; 503 when it is unavailable.',
        security: [{ bearerAuth: [] }],
        querystring: oidpQuerySchema,
        body: oidpBodySchema,
        response: {
          200: oidpUserInfoSchema,
          400: errorResponseSchema,
          502: errorResponseSchema,
          503: errorResponseSchema
        }
      }
    },
    async (request, reply) => {
      const result = await deps.esignet.login({
        code: request.query.code,
        state: request.query.state,
        clientId: request.body.clientId,
        redirectUri: request.body.redirectUri
      })
      if (!result.ok) return sendFailure(reply, result.failure)
      return reply.status(200).header('cache-control', 'no-store').send(result.value)
    }
  )
}
