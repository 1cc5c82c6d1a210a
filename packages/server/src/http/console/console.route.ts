import { readFileSync } from 'node:fs'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parsePasswordHash, verifyPassword } from '../../core/admin-password.js'
import type { ReadinessReport } from '../../core/dependency-state.js'
import {
  OPERATOR_ACTIONS,
  isOperatorAction,
  type ActionPlan,
  type OperatorAction
} from '../../core/operator-action-plan.js'
import { isRegistrationState } from '../../core/registration-state.js'
import type { RegistrationActionResult } from '../../pipeline/operator-actions.js'
import type { AuditRepository } from '../../store/audit.repository.js'
import type { OperatorQueries } from '../../store/operator-queries.js'
import type { Job } from '../../store/schema.js'
import {
  AGE_FILTERS,
  REGISTRATION_KINDS,
  deliveriesPage,
  jobsPage,
  loginPage,
  messagePage,
  overviewPage,
  registrationPage,
  registrationsPage,
  type ListFilter
} from './pages.js'
import {
  SESSION_COOKIE,
  SESSION_TTL_MS,
  csrfTokenMatches,
  csrfTokenOf,
  newSession,
  parseSession,
  sessionKeys,
  sessionValue,
  type ConsoleSession
} from './session.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The operator's console session, once its cookie is verified. */
    consoleSession?: ConsoleSession
  }
}

export interface ConsoleDeps {
  /** ADMIN_PASSWORD_HASH, as configured. */
  passwordHash: string
  /** A secret shared by every instance (derived from the data encryption key). */
  sessionSecret: Buffer
  operator: OperatorQueries
  audit: AuditRepository
  readiness: () => Promise<ReadinessReport>
  subscriptions: () => Array<{ name: string; lastSuccessAt: Date | null }>
  stallAlertMs: number
  mosipIdsOf: (id: string) => Promise<string[]>
  /** The plan of operator actions for a registration; undefined when it does not exist. */
  planOf: (id: string) => Promise<ActionPlan[] | undefined>
  runAction: (id: string, action: OperatorAction) => Promise<RegistrationActionResult>
  retryDelivery: (
    eventId: string
  ) => Promise<{ retried: true } | { retried: false; reason: string }>
  deadJobs: (limit: number) => Promise<Job[]>
  replayJob: (id: number) => Promise<boolean>
  jobCounts: () => Promise<Record<string, number>>
  /** Login attempts allowed per client address and minute. */
  loginsPerMinute?: number
  clock?: () => number
}

/** The console's style sheet, shipped with the package (assets/console.css). */
const STYLESHEET = new URL('../../../assets/console.css', import.meta.url)

/**
 * Console pages load nothing but their own style sheet: no script at all, no frames, forms only
 * to the console.
 */
const CONSOLE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store'
}

const PAGE_SIZE = 50

/** A form field as a single string (a repeated field counts as absent). */
function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const value = (body as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/**
 * The operator console at /admin: server-rendered pages and plain forms, behind the operator
 * password. Registered only when ADMIN_PASSWORD_HASH is set (otherwise /admin is a 404).
 */
export function registerConsoleRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const stored = parsePasswordHash(deps.passwordHash)
  if (!stored) throw new Error('ADMIN_PASSWORD_HASH is malformed')
  const keys = sessionKeys(deps.sessionSecret, deps.passwordHash)
  const clock = deps.clock ?? Date.now
  const stylesheet = readFileSync(STYLESHEET)

  void app.register(
    async (scope) => {
      await scope.register(cookie, { secret: keys.cookie })
      await scope.register(formbody, { bodyLimit: 16 * 1024 })
      await scope.register(rateLimit, { global: false })

      scope.addHook('onSend', async (_request, reply, payload) => {
        reply.headers(CONSOLE_HEADERS)
        return payload
      })

      /** The verified session of the request's cookie, if any. */
      const sessionOf = (request: FastifyRequest): ConsoleSession | undefined => {
        const raw = request.cookies[SESSION_COOKIE]
        if (!raw) return undefined
        const unsigned = request.unsignCookie(raw)
        return unsigned.valid && unsigned.value ? parseSession(unsigned.value, clock()) : undefined
      }

      // Every page but the login form and the style sheet needs a session; a POST also needs
      // the session's CSRF token.
      scope.addHook('preHandler', async (request, reply) => {
        const path = request.url.split('?')[0] ?? ''
        if (path === '/admin/login' || path === '/admin/console.css') return
        const session = sessionOf(request)
        if (!session) return reply.redirect('/admin/login', 303)
        request.consoleSession = session
        if (
          request.method === 'POST' &&
          !csrfTokenMatches(keys, session, field(request.body, '_csrf'))
        ) {
          return reply
            .status(403)
            .type('text/html; charset=utf-8')
            .send(
              messagePage(
                'Forbidden',
                'This form is out of date or did not come from the console (its CSRF token is missing or wrong). Go back, reload the page and try again.'
              )
            )
        }
      })

      const pageContext = (request: FastifyRequest) => ({
        csrf: csrfTokenOf(keys, request.consoleSession!),
        now: clock(),
        notice: queryParam(request, 'notice'),
        error: queryParam(request, 'error')
      })
      const send = (reply: FastifyReply, page: string, status = 200) =>
        reply.status(status).type('text/html; charset=utf-8').send(page)
      /** Who did it, for the audit trail: the console and (a prefix of) the session id. */
      const actor = (request: FastifyRequest) =>
        `admin console (session ${request.consoleSession!.id.slice(0, 8)})`
      const audited = (
        request: FastifyRequest,
        action: string,
        target: string | null,
        outcome: string
      ) => deps.audit.record({ actor: actor(request), channel: 'console', action, target, outcome })
      const back = (path: string, message: { notice?: string; error?: string }) =>
        `${path}?${new URLSearchParams(message as Record<string, string>).toString()}`

      scope.get('/console.css', { schema: { hide: true } }, async (_request, reply) =>
        reply
          .type('text/css; charset=utf-8')
          .header('cache-control', 'max-age=3600')
          .send(stylesheet)
      )

      scope.get('/login', { schema: { hide: true } }, async (request, reply) => {
        if (sessionOf(request)) return reply.redirect('/admin', 303)
        return send(reply, loginPage())
      })

      scope.post(
        '/login',
        {
          schema: { hide: true },
          config: {
            rateLimit: {
              max: deps.loginsPerMinute ?? 10,
              timeWindow: 60_000,
              keyGenerator: (request: FastifyRequest) => `console-login:${request.ip}`
            }
          }
        },
        async (request, reply) => {
          const password = field(request.body, 'password') ?? ''
          if (password === '' || !(await verifyPassword(stored, password))) {
            request.log.warn('console login refused: wrong password')
            return send(reply, loginPage('Wrong password.'), 401)
          }
          const session = newSession(clock(), SESSION_TTL_MS)
          reply.setCookie(SESSION_COOKIE, sessionValue(session), {
            signed: true,
            httpOnly: true,
            sameSite: 'strict',
            // Secure whenever the operator's browser came over HTTPS (directly, or through a
            // proxy the bridge trusts: TRUST_PROXY).
            secure: request.protocol === 'https',
            path: '/admin',
            maxAge: Math.floor(SESSION_TTL_MS / 1000)
          })
          request.log.info({ session: session.id.slice(0, 8) }, 'console login')
          return reply.redirect('/admin', 303)
        }
      )

      scope.post('/logout', { schema: { hide: true } }, async (request, reply) => {
        reply.clearCookie(SESSION_COOKIE, { path: '/admin' })
        request.log.info({ session: request.consoleSession!.id.slice(0, 8) }, 'console logout')
        return reply.redirect('/admin/login', 303)
      })

      scope.get('/', { schema: { hide: true } }, async (request, reply) => {
        const now = clock()
        const [
          byStateAndKind,
          oldestUnfinishedAt,
          stalled,
          needsAttention,
          jobs,
          unfinishedJobs,
          deliveries,
          within24h,
          within72h,
          readiness
        ] = await Promise.all([
          deps.operator.countByStateAndKind(),
          deps.operator.oldestUnfinishedCreatedAt(),
          deps.operator.countStalled(now - deps.stallAlertMs),
          deps.operator.countNeedingAttentionByReason(),
          deps.jobCounts(),
          deps.operator.countUnfinishedJobs(),
          deps.operator.countDeliveriesByState(),
          deps.operator.countTokensExpiringBefore(now + 86_400_000),
          deps.operator.countTokensExpiringBefore(now + 3 * 86_400_000),
          deps.readiness()
        ])
        return send(
          reply,
          overviewPage(
            {
              byStateAndKind,
              oldestUnfinishedAt,
              stalled,
              stallAlertMs: deps.stallAlertMs,
              needsAttention,
              jobs,
              unfinishedJobs,
              deliveries,
              subscriptions: deps.subscriptions(),
              tokensExpiring: { within24h, within72h },
              readiness
            },
            pageContext(request)
          )
        )
      })

      scope.get('/registrations', { schema: { hide: true } }, async (request, reply) => {
        const rawPage = queryParam(request, 'page') ?? '1'
        const filter: ListFilter = {
          state: queryParam(request, 'state'),
          kind: queryParam(request, 'kind'),
          reason: queryParam(request, 'reason'),
          age: queryParam(request, 'age'),
          q: queryParam(request, 'q'),
          page: Number(rawPage)
        }
        const problems = [
          filter.state !== undefined && !isRegistrationState(filter.state) && 'unknown state',
          filter.kind !== undefined &&
            !(REGISTRATION_KINDS as readonly string[]).includes(filter.kind) &&
            'unknown kind',
          filter.age !== undefined && !(filter.age in AGE_FILTERS) && 'unknown age',
          filter.reason !== undefined &&
            !/^[A-Z0-9_]{1,80}$/.test(filter.reason) &&
            'malformed reason',
          filter.q !== undefined && filter.q.length > 200 && 'search text too long',
          (!Number.isInteger(filter.page) || filter.page < 1 || filter.page > 10_000) &&
            'page must be a whole number from 1'
        ].filter((problem): problem is string => typeof problem === 'string')
        const ctx = pageContext(request)
        if (problems.length > 0) {
          return send(
            reply,
            messagePage('Bad request', `The filter is not valid: ${problems.join(', ')}.`, ctx),
            400
          )
        }
        const ageMs = filter.age ? AGE_FILTERS[filter.age]?.ms : undefined
        const [page, reasons] = await Promise.all([
          deps.operator.searchRegistrations({
            ...(filter.state ? { state: filter.state } : {}),
            ...(filter.kind ? { kind: filter.kind as (typeof REGISTRATION_KINDS)[number] } : {}),
            ...(filter.reason ? { reason: filter.reason } : {}),
            ...(ageMs !== undefined ? { createdBefore: ctx.now - ageMs } : {}),
            ...(filter.q ? { search: filter.q } : {}),
            offset: (filter.page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE
          }),
          deps.operator.countNeedingAttentionByReason()
        ])
        const known = reasons.map((row) => row.reason)
        if (filter.reason && !known.includes(filter.reason)) known.push(filter.reason)
        return send(reply, registrationsPage({ ...page, filter, reasons: known.sort() }, ctx))
      })

      scope.get<{ Params: { id: string } }>(
        '/registrations/:id',
        { schema: { hide: true } },
        async (request, reply) => {
          const { id } = request.params
          const ctx = pageContext(request)
          const registration = await deps.operator.registration(id)
          if (!registration) {
            return send(
              reply,
              messagePage('Not found', `There is no registration ${id}.`, ctx),
              404
            )
          }
          const [mosipIds, plans, audit, handOver] = await Promise.all([
            deps.mosipIdsOf(id),
            deps.planOf(id),
            deps.audit.of(id),
            registration.state === 'needs_attention'
              ? deps.operator.handOverOf(id)
              : Promise.resolve(undefined)
          ])
          return send(
            reply,
            registrationPage({ registration, mosipIds, plans: plans ?? [], audit, handOver }, ctx)
          )
        }
      )

      scope.post<{ Params: { id: string; action: string } }>(
        '/registrations/:id/actions/:action',
        { schema: { hide: true } },
        async (request, reply) => {
          const { id, action } = request.params
          const page = `/admin/registrations/${encodeURIComponent(id)}`
          if (!isOperatorAction(action)) {
            return send(
              reply,
              messagePage(
                'Bad request',
                `Unknown action ${action}: one of ${OPERATOR_ACTIONS.join(', ')}.`,
                pageContext(request)
              ),
              400
            )
          }
          if (
            (action === 'reject' || action === 'remove') &&
            field(request.body, 'confirm') !== 'yes'
          ) {
            return reply.redirect(
              back(page, { error: 'Tick "I am sure" to confirm this action.' }),
              303
            )
          }
          const result = await deps.runAction(id, action)
          await audited(
            request,
            `registration.${action}`,
            id,
            result.done ? result.message : `refused: ${result.reason}`
          )
          if (!result.done) return reply.redirect(back(page, { error: result.reason }), 303)
          request.log.info({ registrationId: id, action }, 'console action')
          if (action === 'remove') {
            return reply.redirect(
              back('/admin/registrations', { notice: `Registration ${id} removed.` }),
              303
            )
          }
          return reply.redirect(back(page, { notice: `${result.message}.` }), 303)
        }
      )

      scope.get('/deliveries', { schema: { hide: true } }, async (request, reply) =>
        send(reply, deliveriesPage(await deps.operator.keptDeliveries(200), pageContext(request)))
      )

      scope.post<{ Params: { eventId: string } }>(
        '/deliveries/:eventId/retry',
        { schema: { hide: true } },
        async (request, reply) => {
          const { eventId } = request.params
          const result = await deps.retryDelivery(eventId)
          await audited(
            request,
            'delivery.retry',
            eventId,
            result.retried ? 'queued' : result.reason
          )
          return reply.redirect(
            back(
              '/admin/deliveries',
              result.retried
                ? { notice: `Delivery ${eventId} queued for processing again.` }
                : { error: result.reason }
            ),
            303
          )
        }
      )

      scope.get('/jobs', { schema: { hide: true } }, async (request, reply) =>
        send(reply, jobsPage(await deps.deadJobs(200), pageContext(request)))
      )

      scope.post<{ Params: { id: string } }>(
        '/jobs/:id/replay',
        { schema: { hide: true } },
        async (request, reply) => {
          const id = Number(request.params.id)
          if (!Number.isSafeInteger(id) || id <= 0) {
            return send(
              reply,
              messagePage(
                'Bad request',
                'A job id is a positive whole number.',
                pageContext(request)
              ),
              400
            )
          }
          const replayed = await deps.replayJob(id)
          await audited(request, 'job.replay', String(id), replayed ? 'queued' : 'not dead')
          return reply.redirect(
            back(
              '/admin/jobs',
              replayed
                ? { notice: `Job ${id} queued again.` }
                : { error: `Job ${id} is not dead (or does not exist); nothing replayed.` }
            ),
            303
          )
        }
      )
    },
    { prefix: '/admin' }
  )
}
