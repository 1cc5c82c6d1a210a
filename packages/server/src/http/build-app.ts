import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Registry } from 'prom-client'
import type { Logger } from '../observability/logger.js'
import type { Store } from '../store/database.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes of a JSON body, before parsing. */
    rawBytes?: Buffer
  }
}

export interface AppDependencies {
  logger: Logger
  store: Store
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number
  /** Prometheus registry served at /metrics, when given. */
  metrics?: Registry
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

  // Route schemas document the API (OpenAPI at /documentation); bodies are validated with zod
  // in the handlers, which name every problem in the 400 they return.
  app.setValidatorCompiler(() => () => true)
  void app.register(swagger, {
    openapi: {
      info: { title: 'OpenCRVS API for MOSIP', version: '1.0.0' },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
      }
    }
  })
  void app.register(swaggerUi, { routePrefix: '/documentation' })

  app.setErrorHandler((error: FastifyError, request, reply) => {
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

  app.get('/health', async () => ({ status: 'ok' }))

  if (deps.metrics) {
    const metrics = deps.metrics
    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.metrics())
    )
  }

  app.get('/ready', async (_request, reply) => {
    try {
      await deps.store.ping()
      return { status: 'ready', database: deps.store.dialect }
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: deps.store.dialect })
    }
  })

  // Registered as a plugin so they load after swagger, which then documents them.
  void app.register(async (instance) => {
    for (const register of deps.routes ?? []) register(instance)
  })

  return app
}
