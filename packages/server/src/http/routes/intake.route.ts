import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import {
  intakeAcceptedSchema,
  mosipCorrectionPayloadSchema,
  mosipInteropPayloadSchema,
  type IntakeAccepted
} from '@mosip-bridge/contracts'
import { planRegistration, planUpdate, type IntakePlan } from '../../core/intake-plan.js'
import type { IntakeService } from '../../pipeline/intake.service.js'
import { errorResponseSchema } from '../error-response.js'
import { requireOpencrvsToken, type TokenVerifier } from '../opencrvs-auth.js'

interface IntakeRouteDeps {
  verifier: TokenVerifier
  intake: Pick<IntakeService, 'accept'>
  /** Scope the token must carry; undefined: none (OpenCRVS 2.1 trigger tokens carry none). */
  requiredScope: string | undefined
}

/** `POST /events/registration` and `POST /events/update-biographics`, as mosip-api has them. */
export function registerIntakeRoutes(app: FastifyInstance, deps: IntakeRouteDeps): void {
  const guard = requireOpencrvsToken(deps.verifier, deps.requiredScope)

  async function accept(request: FastifyRequest, reply: FastifyReply, plan: IntakePlan) {
    const claims = request.opencrvs!
    // Every request is bound to the record its token is for (an update too).
    if (!claims.eventId) {
      return reply.status(400).send({
        statusCode: 400,
        error: 'Bad Request',
        message:
          'the token carries no eventId claim: send the action token OpenCRVS gave the country configuration'
      })
    }
    const result = await deps.intake.accept(plan, {
      token: claims.token,
      exp: claims.exp,
      ...(claims.eventId ? { eventId: claims.eventId } : {}),
      ...(claims.actionId ? { actionId: claims.actionId } : {})
    })
    request.log.info(
      { transactionId: result.transactionId, kind: plan.kind, duplicate: !result.created },
      result.created ? 'registration accepted' : 'registration already accepted'
    )
    const body: IntakeAccepted = { transactionId: result.transactionId }
    return reply.status(202).send(body)
  }

  const routes = app.withTypeProvider<ZodTypeProvider>()
  const response = { 202: intakeAcceptedSchema, 400: errorResponseSchema }

  routes.post(
    '/events/registration',
    {
      onRequest: guard,
      schema: {
        tags: ['intake'],
        summary: 'Send a birth or death to MOSIP',
        security: [{ bearerAuth: [] }],
        body: mosipInteropPayloadSchema,
        response
      }
    },
    async (request, reply) => {
      const planned = planRegistration(request.body, request.opencrvs ?? {})
      if (!planned.ok) {
        return reply
          .status(400)
          .send({ statusCode: 400, error: 'Bad Request', message: planned.message })
      }
      return accept(request, reply, planned.plan)
    }
  )

  routes.post(
    '/events/update-biographics',
    {
      onRequest: guard,
      schema: {
        tags: ['intake'],
        summary: 'Send a biographic update (CRVS_UPDATE)',
        security: [{ bearerAuth: [] }],
        body: mosipCorrectionPayloadSchema,
        response
      }
    },
    async (request, reply) =>
      accept(request, reply, planUpdate(request.body, request.opencrvs ?? {}))
  )
}
