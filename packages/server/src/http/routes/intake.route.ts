import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import {
  mosipCorrectionPayloadSchema,
  mosipInteropPayloadSchema,
  type IntakeAccepted
} from '@mosip-bridge/contracts'
import { planRegistration, planUpdate, type IntakePlan } from '../../core/intake-plan.js'
import type { IntakeService } from '../../pipeline/intake.service.js'
import { requireOpencrvsToken, type TokenVerifier } from '../opencrvs-auth.js'
import { describeZodError } from '../zod-messages.js'

export interface IntakeRouteDeps {
  verifier: TokenVerifier
  intake: IntakeService
  /** Scope the token must carry; undefined: none (OpenCRVS 2.1 trigger tokens carry none). */
  requiredScope: string | undefined
}

function parseBody<S extends z.ZodType>(
  schema: S,
  request: FastifyRequest,
  reply: FastifyReply
): z.infer<S> | undefined {
  if (request.body === undefined || request.body === null || typeof request.body !== 'object') {
    void reply.status(400).send({
      statusCode: 400,
      error: 'Bad Request',
      message: 'the body must be a JSON object'
    })
    return undefined
  }
  const parsed = schema.safeParse(request.body)
  if (!parsed.success) {
    void reply.status(400).send({
      statusCode: 400,
      error: 'Bad Request',
      message: describeZodError(parsed.error)
    })
    return undefined
  }
  return parsed.data
}

/** `POST /events/registration` and `POST /events/update-biographics`, as mosip-api has them. */
export function registerIntakeRoutes(app: FastifyInstance, deps: IntakeRouteDeps): void {
  const guard = requireOpencrvsToken(deps.verifier, deps.requiredScope)

  async function accept(request: FastifyRequest, reply: FastifyReply, plan: IntakePlan) {
    const claims = request.opencrvs!
    if (plan.kind !== 'update' && !claims.eventId) {
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

  app.post(
    '/events/registration',
    { onRequest: guard, schema: { tags: ['intake'], summary: 'Send a birth or death to MOSIP' } },
    async (request, reply) => {
      const payload = parseBody(mosipInteropPayloadSchema, request, reply)
      if (!payload) return reply
      const planned = planRegistration(payload, request.opencrvs ?? {})
      if (!planned.ok) {
        return reply
          .status(400)
          .send({ statusCode: 400, error: 'Bad Request', message: planned.message })
      }
      return accept(request, reply, planned.plan)
    }
  )

  app.post(
    '/events/update-biographics',
    {
      onRequest: guard,
      schema: { tags: ['intake'], summary: 'Send a biographic update (CRVS_UPDATE)' }
    },
    async (request, reply) => {
      const payload = parseBody(mosipCorrectionPayloadSchema, request, reply)
      if (!payload) return reply
      return accept(request, reply, planUpdate(payload, request.opencrvs ?? {}))
    }
  )
}
