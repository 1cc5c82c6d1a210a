import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
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
import type { Store } from '../store/database.js'
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
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number
  /** Prometheus registry served at /metrics, when given. */
  metrics?: Registry
  /**
   * The state of every dependency for /ready; without it, /ready checks the database only.
   * Ready means every required dependency is up.
   */
  readiness?: () => Promise<ReadinessReport>
  /** Feature routes (intake, WebSub, operations…), registered after the basics. */
  routes?: Array<(app: FastifyInstance) => void>
}

/**
 * The bridge's HTTP application, not listening: main.ts and the CLI start it, tests use
 * inject() or port 0.
 */
export function buildApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({
    // pino's Logger is what Fastify expects; the cast only widens its generic parameter.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    // MOSIP's hub may post to /websub/callback/ (with the slash).
    routerOptions: { ignoreTrailingSlash: true }
  })

  // Keep the exact bytes of JSON bodies: WebSub signatures are computed over them.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    request.rawBytes = bytes
    if (bytes.length === 0) return done(null, undefined)
    try {
      done(null, JSON.parse(bytes.toString('utf8')))
    } catch {
      const error = new Error('the body is not valid JSON') as Error & { statusCode: number }
      error.statusCode = 400
      done(error, undefined)
    }
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
  void app.register(swaggerUi, { routePrefix: '/documentation' })

  app.setErrorHandler((error: FastifyError, request, reply) => {
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
