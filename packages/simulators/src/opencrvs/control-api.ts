import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import {
  opencrvsActionTypeSchema,
  opencrvsDeclarationSchema,
  opencrvsTrpcErrorCodeSchema
} from '@mosip-bridge/contracts'
import type {
  OpencrvsActionType,
  OpencrvsDeclaration,
  OpencrvsEventDocument,
  OpencrvsTrpcErrorCode
} from '@mosip-bridge/contracts'
import type { ActionRequestOptions, OpencrvsTriggerResult } from './action-confirmation.js'
import { TrpcError } from './trpc-error.js'

/** The part of the simulator the control API drives (kept structural to avoid an import cycle). */
interface ControlledOpencrvs {
  createEvent(input: {
    type: string
    declaration?: OpencrvsDeclaration
    trackingId?: string
  }): OpencrvsEventDocument
  requestAction(
    eventId: string,
    type: OpencrvsActionType,
    options?: ActionRequestOptions
  ): Promise<OpencrvsTriggerResult>
  getEvent(eventId: string): OpencrvsEventDocument | undefined
  listEvents(): OpencrvsEventDocument[]
  flags(eventId: string): string[]
  isLocked(eventId: string): boolean
  assignedTo(eventId: string): string | undefined
  actionStates(eventId: string): unknown[]
  declarationOf(eventId: string): OpencrvsDeclaration
  triggers(): unknown[]
  setCountryConfigUrl(url: string | undefined): void
  expireTokens(): void
  rotateKeys(): void
  advanceClock(ms: number): void
  failProcedure(failure: {
    procedure?: string
    code: OpencrvsTrpcErrorCode
    message?: string
    times?: number
  }): void
  clearProcedureFailures(): void
}

const createEventBody = z.object({
  type: z.string().min(1),
  declaration: opencrvsDeclarationSchema.optional(),
  trackingId: z.string().optional()
})

const requestActionBody = z.object({
  type: opencrvsActionTypeSchema.default('REGISTER'),
  declaration: opencrvsDeclarationSchema.optional(),
  annotation: z.record(z.string(), z.unknown()).optional(),
  content: z.record(z.string(), z.unknown()).optional(),
  requestId: z.string().optional(),
  keepAssignment: z.boolean().optional()
})

const failProcedureBody = z.object({
  procedure: z.string().optional(),
  code: opencrvsTrpcErrorCodeSchema,
  message: z.string().optional(),
  times: z.number().int().positive().optional()
})

const countryConfigBody = z.object({ url: z.url().nullable() })

/**
 * `/_sim/opencrvs/…`: drive the simulated core over HTTP (for the CLI and the sandbox, where the
 * simulator runs in another process). Not part of OpenCRVS; not recorded in the request log.
 */
export function registerOpencrvsControlApi(app: FastifyInstance, sim: ControlledOpencrvs): void {
  const invalid = (reply: FastifyReply, error: z.ZodError) =>
    reply.status(400).send({ error: 'invalid body', issues: error.issues })
  const fromError = (reply: FastifyReply, error: unknown) => {
    if (error instanceof TrpcError) {
      return reply.status(error.code === 'NOT_FOUND' ? 404 : 409).send({
        error: error.code,
        message: error.message
      })
    }
    throw error
  }
  const state = (id: string) => ({
    event: sim.getEvent(id),
    flags: sim.flags(id),
    locked: sim.isLocked(id),
    assignedTo: sim.assignedTo(id) ?? null,
    actions: sim.actionStates(id),
    declaration: sim.declarationOf(id)
  })

  app.get('/_sim/opencrvs/events', async () => ({ events: sim.listEvents() }))

  app.post('/_sim/opencrvs/events', async (request, reply) => {
    const body = createEventBody.safeParse(request.body ?? {})
    if (!body.success) return invalid(reply, body.error)
    const event = sim.createEvent(body.data)
    return reply.status(201).send(state(event.id))
  })

  app.get('/_sim/opencrvs/events/:id', async (request, reply) => {
    const { id } = request.params as { id: string }
    if (!sim.getEvent(id)) return reply.status(404).send({ error: 'NOT_FOUND' })
    return state(id)
  })

  app.post('/_sim/opencrvs/events/:id/actions', async (request, reply) => {
    const { id } = request.params as { id: string }
    const body = requestActionBody.safeParse(request.body ?? {})
    if (!body.success) return invalid(reply, body.error)
    const { type, ...options } = body.data
    try {
      return await sim.requestAction(id, type, options)
    } catch (error) {
      return fromError(reply, error)
    }
  })

  app.put('/_sim/opencrvs/country-config', async (request, reply) => {
    const body = countryConfigBody.safeParse(request.body ?? {})
    if (!body.success) return invalid(reply, body.error)
    sim.setCountryConfigUrl(body.data.url ?? undefined)
    return { url: body.data.url }
  })

  app.post('/_sim/opencrvs/expire-tokens', async () => {
    sim.expireTokens()
    return { expired: true }
  })

  app.post('/_sim/opencrvs/rotate-keys', async () => {
    sim.rotateKeys()
    return { rotated: true }
  })

  app.post('/_sim/opencrvs/advance-clock', async (request, reply) => {
    const body = z.object({ ms: z.number() }).safeParse(request.body ?? {})
    if (!body.success) return invalid(reply, body.error)
    sim.advanceClock(body.data.ms)
    return { advancedMs: body.data.ms }
  })

  app.post('/_sim/opencrvs/fail-procedure', async (request, reply) => {
    const body = failProcedureBody.safeParse(request.body ?? {})
    if (!body.success) return invalid(reply, body.error)
    sim.failProcedure(body.data)
    return { armed: body.data }
  })

  app.delete('/_sim/opencrvs/fail-procedure', async () => {
    sim.clearProcedureFailures()
    return { cleared: true }
  })

  app.get('/_sim/opencrvs/triggers', async () => ({ triggers: sim.triggers() }))
}
