import { randomUUID } from 'node:crypto'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance
} from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler
} from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Registry } from 'prom-client'
import { readinessOf, type ReadinessReport } from '../core/dependency-state.js'
import type { Logger } from '../observability/logger.js'
import type { Instruments } from '../observability/metrics.js'
import type { Store } from '../store/database.js'
import { answerBodyTooLarge } from './body-too-large.js'
import { describeValidationProblems } from './zod-messages.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes of a JSON body, before parsing. */
    rawBytes?: Buffer
  }
}

interface AppDependencies {
  logger: Logger
  store: Store
  /** Trust the reverse proxy's X-Forwarded-For and X-Forwarded-Proto (TRUST_PROXY). */
  trustProxy?: boolean
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number
  /** Prometheus registry served at /metrics, when given. */
  metrics?: Registry
  /** Where answered requests are measured, when given. */
  instruments?: Pick<Instruments, 'requests'>
  /**
   * The state of every dependency for /ready; without it, /ready checks the database only.
   * Ready means every required dependency is up.
   */
  readiness?: () => Promise<ReadinessReport>
  /** Feature routes (intake, WebSub, operations…), registered after the basics. */
  routes?: Array<(app: FastifyInstance) => void>
}

/** Deeper JSON bodies are refused: nothing we accept nests this far, and serializing one could
 * overflow the stack. */
const MAX_JSON_DEPTH = 64

/** Whether `value` nests objects or arrays deeper than `limit` (iterative: no recursion). */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (typeof current !== 'object' || current === null) continue
    if (depth > limit) return true
    for (const child of Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return false
}

const DEFAULT_BODY_LIMIT = 1024 * 1024

/** The Content-Security-Policy of the API documentation pages. */
export const DOCUMENTATION_CSP = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'font-src': "'self' data:",
  // The OpenAPI document and "Try it out" requests go to the bridge itself.
  'connect-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
  'object-src': "'none'"
}

const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics'])

const PLAIN_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

/** The caller's request id when short and plain, otherwise a new one. */
function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && PLAIN_REQUEST_ID.test(header) ? header : randomUUID()
}

/**
 * The bridge's HTTP application, not listening: main.ts and the CLI start it, tests use
 * inject() or port 0.
 */
export function buildApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({
    // pino's Logger is what Fastify expects; the cast only widens its generic parameter.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: deps.trustProxy ?? false,
    // A caller's X-Request-Id is kept only when short and plain (it reaches every log line).
    requestIdHeader: false,
    genReqId: (request) => requestIdOf(request.headers['x-request-id']),
    // A client trickling its request, or holding an idle connection, is cut off.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    // Health, readiness and metrics probes come every few seconds: their request lines are
    // logged only at debug level.
    logController: new LogController({
      disableRequestLogging: (request: { url?: string }) =>
        PROBE_PATHS.has((request.url ?? '').split('?')[0] ?? '') &&
        !deps.logger.isLevelEnabled('debug')
    }),
    return503OnClosing: true,
    // MOSIP's hub may post to /websub/callback/ (with the slash).
    routerOptions: { ignoreTrailingSlash: true }
  })

  // Keep the exact bytes of JSON bodies: WebSub signatures are computed over them.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    request.rawBytes = bytes
    if (bytes.length === 0) return done(null, undefined)
    let parsed: unknown
    try {
      parsed = JSON.parse(bytes.toString('utf8'))
    } catch {
      const error = new Error('the body is not valid JSON') as Error & { statusCode: number }
      error.statusCode = 400
      return done(error, undefined)
    }
    if (depthExceeds(parsed, MAX_JSON_DEPTH)) {
      const error = new Error(
        `the body is nested deeper than ${MAX_JSON_DEPTH} levels`
      ) as Error & { statusCode: number }
      error.statusCode = 400
      return done(error, undefined)
    }
    done(null, parsed)
  })

  if (deps.instruments) {
    const { requests } = deps.instruments
    // Labelled by route template (never the URL, which holds ids); unknown paths as one.
    app.addHook('onResponse', async (request, reply) => {
      requests.observe(
        {
          route: request.routeOptions.url ?? 'unmatched',
          method: request.method,
          status_class: `${Math.floor(reply.statusCode / 100)}xx`
        },
        reply.elapsedTime / 1000
      )
    })
  }

  // No answer is to be sniffed into another content type.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    return payload
  })

  // Route schemas are zod schemas: Fastify validates requests with them (after the onRequest
  // hooks, so authentication is checked first), serializes responses with them, and the OpenAPI
  // document at /documentation is generated from them.
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  void app.register(swagger, {
    openapi: {
      info: { title: 'OpenCRVS API for MOSIP', version: '1.0.0' },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
      }
    },
    transform: jsonSchemaTransform
  })
  void app.register(swaggerUi, {
    routePrefix: '/documentation',
    // Set on the documentation's pages only. Swagger UI loads its scripts and styles from
    // /documentation/static and has no inline script: nothing else is allowed, not even
    // inline styles or another origin.
    staticCSP: DOCUMENTATION_CSP
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return answerBodyTooLarge(request, reply, deps.bodyLimit ?? DEFAULT_BODY_LIMIT)
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply.status(400).send({
        statusCode: 400,
        error: 'Bad Request',
        message: describeValidationProblems(
          error.validation,
          error.validationContext ?? 'body',
          request
        )
      })
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed')
      return reply
        .status(status)
        .send({ statusCode: status, error: 'Internal Server Error', message: 'internal error' })
    }
    return reply.status(status).send({
      statusCode: status,
      error: error.code ?? 'Bad Request',
      message: error.message
    })
  })

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route for ${request.method} ${request.url.split('?')[0]}`
    })
  )

  // Registered as plugins so that they load after swagger, which then documents them.
  void app.register(async (instance) => registerBasicRoutes(instance, deps))
  void app.register(async (instance) => {
    for (const register of deps.routes ?? []) register(instance)
  })

  return app
}

/** Liveness, metrics and readiness. */
function registerBasicRoutes(app: FastifyInstance, deps: AppDependencies): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: { 200: z.object({ status: z.literal('ok') }) }
      }
    },
    async () => ({ status: 'ok' as const })
  )

  if (deps.metrics) {
    const metrics = deps.metrics
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['operations'],
          summary:
            'Prometheus metrics of registrations, jobs and deliveries (text exposition format)'
        }
      },
      async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics())
    )
  }

  const readiness =
    deps.readiness ??
    (() =>
      readinessOf([
        {
          name: 'database',
          required: true,
          state: async () => {
            await deps.store.ping()
            return { status: 'up', detail: deps.store.dialect }
          }
        }
      ]))
  app.get('/ready', async (_request, reply) => {
    const report = await readiness()
    const dependencies = Object.fromEntries(
      report.dependencies.map(({ name, ...state }) => [name, state])
    )
    return reply.status(report.ready ? 200 : 503).send({
      status: report.ready ? 'ready' : 'unavailable',
      database: deps.store.dialect,
      dependencies
    })
  })
}
