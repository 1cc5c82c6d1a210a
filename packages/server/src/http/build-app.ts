import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { Logger } from '../observability/logger.js'
import type { Store } from '../store/database.js'

export interface AppDependencies {
  logger: Logger
  store: Store
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number
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
    return503OnClosing: true
  })

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

  app.get('/ready', async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.store.db)
      return { status: 'ready', database: deps.store.dialect }
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: deps.store.dialect })
    }
  })

  return app
}
