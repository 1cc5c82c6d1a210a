import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { hasScope } from '../../integrations/opencrvs/scopes.js'
import type { RemovedRegistration } from '../../pipeline/operator-actions.js'
import type { OperatorQueries } from '../../store/operator-queries.js'
import { requireOpencrvsToken, type TokenVerifier } from '../opencrvs-auth.js'

interface DebugRouteDeps {
  verifier: TokenVerifier
  operator: OperatorQueries
  /** Stops tracking a registration (with its waiting jobs); undefined when it does not exist. */
  removeRegistration: (id: string) => Promise<RemovedRegistration | undefined>
  /** The OpenCRVS event a registration belongs to: null without one, undefined when unknown. */
  eventOf: (id: string) => Promise<string | null | undefined>
  /** Writes a removal (or a refused one) to the audit trail. */
  audit?: (entry: { actor: string; target: string; outcome: string }) => Promise<void>
}

const FORBIDDEN = { error: 'You do not have permission to access this resource.' }

/** mosip-api's error body on these routes: only `error`. */
const legacyErrorSchema = z.object({ error: z.string() })

/** One registration in progress, as mosip-api listed its transactions (no token, ever). */
const transactionInProgressSchema = z.object({
  eventId: z.string().nullable(),
  actionId: z.string().nullable(),
  id: z.string(),
  registration_number: z.string().nullable(),
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  created_at: z.string()
})

const transactionParamsSchema = z.object({
  /** The bridge's transaction id (the MOSIP registration id). */
  id: z.string()
})

const removedTransactionSchema = z.object({
  eventId: z.string().nullable(),
  registrationNumber: z.string().nullable()
})

/** `YYYY-MM-DD HH:MM:SS` in UTC, as mosip-api's SQLite `datetime('now')` wrote it. */
function sqliteTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')
}

function allowed(request: FastifyRequest, reply: FastifyReply, anyOf: string[][]): boolean {
  const scopes = request.opencrvs?.scope ?? []
  if (anyOf.some((all) => all.every((scope) => hasScope(scopes, scope)))) return true
  void reply.status(403).send(FORBIDDEN)
  return false
}

/**
 * mosip-api's operations routes, kept for compatibility: the registrations still waiting for
 * MOSIP or OpenCRVS, and removing one. Neither ever returns a token.
 */
export function registerDebugRoutes(instance: FastifyInstance, deps: DebugRouteDeps): void {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const guard = requireOpencrvsToken(deps.verifier)

  app.get(
    '/debug/transactions',
    {
      onRequest: guard,
      schema: {
        tags: ['operations'],
        summary: 'Registrations in progress',
        security: [{ bearerAuth: [] }],
        response: { 200: z.array(transactionInProgressSchema), 403: legacyErrorSchema }
      }
    },
    async (request, reply) => {
      if (!allowed(request, reply, [['search.birth', 'search.death'], ['record.search']]))
        return reply
      const rows = await deps.operator.unfinishedRegistrations(10_000)
      return rows.map((row) => ({
        eventId: row.opencrvs_event_id,
        actionId: row.opencrvs_action_id,
        id: row.id,
        registration_number: row.registration_number,
        created_at: sqliteTimestamp(row.created_at)
      }))
    }
  )

  app.delete(
    '/debug/transactions/:id',
    {
      onRequest: guard,
      schema: {
        tags: ['operations'],
        summary: 'Stop tracking a registration',
        security: [{ bearerAuth: [] }],
        params: transactionParamsSchema,
        response: { 200: removedTransactionSchema, 403: legacyErrorSchema, 404: legacyErrorSchema }
      }
    },
    async (request, reply) => {
      // The reference's scope, on a token bound to this very record: a registrar's user token
      // or the action token of another record removes nothing.
      if (!allowed(request, reply, [['record.reject-registration']])) return reply
      const { id } = request.params
      const eventId = await deps.eventOf(id)
      if (eventId === undefined) {
        return reply.status(404).send({ error: `Transaction with id '${id}' not found.` })
      }
      const caller = request.opencrvs?.sub ?? 'unknown'
      if (!eventId || request.opencrvs?.eventId !== eventId) {
        await deps.audit?.({ actor: caller, target: id, outcome: 'refused: token not bound' })
        request.log.warn(
          { registrationId: id, caller: request.opencrvs?.sub },
          'removal refused: the token is not bound to this registration'
        )
        return reply.status(403).send(FORBIDDEN)
      }
      const removed = await deps.removeRegistration(id)
      if (!removed) {
        return reply.status(404).send({ error: `Transaction with id '${id}' not found.` })
      }
      await deps.audit?.({ actor: caller, target: id, outcome: 'done' })
      request.log.warn(
        { registrationId: id, caller: request.opencrvs?.sub },
        'registration removed through the debug route'
      )
      return { eventId: removed.opencrvs_event_id, registrationNumber: removed.registration_number }
    }
  )
}
