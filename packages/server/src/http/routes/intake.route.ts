import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import {
  intakeAcceptedSchema,
  mosipCorrectionPayloadSchema,
  mosipInteropPayloadSchema,
  type IntakeAccepted
} from '@mosip-bridge/contracts'
import {
  planRegistration,
  planUpdate,
  type IntakePlan,
  type PlanResult
} from '../../core/intake-plan.js'
import type { DocumentPolicy } from '../../core/packet-documents.js'
import type { IntakeService } from '../../pipeline/intake.service.js'
import { errorResponseSchema } from '../error-response.js'
import { requireOpencrvsToken, type TokenVerifier } from '../opencrvs-auth.js'

interface IntakeRouteDeps {
  verifier: TokenVerifier
  intake: Pick<IntakeService, 'accept'>
  /** Scope the token must carry; undefined: none (OpenCRVS 2.1 trigger tokens carry none). */
  requiredScope: string | undefined
  /** Size, count and category rules of a payload's documents. */
  documents: DocumentPolicy
  /**
   * The server's body limit (`BODY_LIMIT_BYTES`): an intake request may exceed it only by its
   * documents' content, which `documents` limits.
   */
  bodyLimit?: number
}

/**
 * The body limit intake routes need: the server's own, plus room for the documents a payload may
 * carry (base64 makes 3 bytes into 4 characters).
 */
export function intakeBodyLimit(serverLimit: number, documents: DocumentPolicy): number {
  return serverLimit + documents.maxCount * (Math.ceil(documents.maxBytes / 3) * 4 + 1024)
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

  function refuse(reply: FastifyReply, planned: Extract<PlanResult, { ok: false }>) {
    return reply.status(planned.status).send({
      statusCode: planned.status,
      error: planned.status === 413 ? 'Payload Too Large' : 'Bad Request',
      message: planned.message
    })
  }

  const routes = app.withTypeProvider<ZodTypeProvider>()
  const response = { 202: intakeAcceptedSchema, 400: errorResponseSchema, 413: errorResponseSchema }
  const serverLimit = deps.bodyLimit
  const limit =
    serverLimit === undefined ? {} : { bodyLimit: intakeBodyLimit(serverLimit, deps.documents) }

  /** 413 when the request without its documents' content is larger than the server allows. */
  async function withinLimit(request: FastifyRequest, reply: FastifyReply) {
    if (serverLimit === undefined) return
    const body = request.body as { documents?: unknown } | null
    const documents = Array.isArray(body?.documents) ? (body.documents as unknown[]) : []
    const contentLength = documents.reduce<number>((sum, document) => {
      const content = (document as { content?: unknown } | null)?.content
      return sum + (typeof content === 'string' ? content.length : 0)
    }, 0)
    const declared = Number(request.headers['content-length'])
    const size = Number.isFinite(declared)
      ? declared - contentLength
      : Buffer.byteLength(JSON.stringify({ ...body, documents: [] }))
    if (size > serverLimit) {
      return reply.status(413).send({
        statusCode: 413,
        error: 'Payload Too Large',
        message: `the request without its documents has ${size} bytes, more than the ${serverLimit} allowed (BODY_LIMIT_BYTES)`
      })
    }
  }

  routes.post(
    '/events/registration',
    {
      onRequest: guard,
      preValidation: withinLimit,
      ...limit,
      schema: {
        tags: ['intake'],
        summary: 'Send a birth or death to MOSIP',
        security: [{ bearerAuth: [] }],
        body: mosipInteropPayloadSchema,
        response
      }
    },
    async (request, reply) => {
      const planned = planRegistration(request.body, request.opencrvs ?? {}, deps.documents)
      if (!planned.ok) return refuse(reply, planned)
      return accept(request, reply, planned.plan)
    }
  )

  routes.post(
    '/events/update-biographics',
    {
      onRequest: guard,
      preValidation: withinLimit,
      ...limit,
      schema: {
        tags: ['intake'],
        summary: 'Send a biographic update (CRVS_UPDATE)',
        security: [{ bearerAuth: [] }],
        body: mosipCorrectionPayloadSchema,
        response
      }
    },
    async (request, reply) => {
      const planned = planUpdate(request.body, request.opencrvs ?? {}, deps.documents)
      if (!planned.ok) return refuse(reply, planned)
      return accept(request, reply, planned.plan)
    }
  )
}
