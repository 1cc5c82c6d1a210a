import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * Registers `routes` in a scope where each caller — the subject of its verified OpenCRVS token,
 * else its address — may make at most `perMinute` calls a minute (`0`: no limit); above it the
 * answer is 429 with `Retry-After`. Counted after authentication (preHandler), per instance.
 */
export function withPerCallerRateLimit(
  app: FastifyInstance,
  perMinute: number,
  routes: (scoped: FastifyInstance) => void
): void {
  if (perMinute <= 0) {
    routes(app)
    return
  }
  void app.register(async (scoped) => {
    await scoped.register(rateLimit, {
      max: perMinute,
      timeWindow: 60_000,
      hook: 'preHandler',
      keyGenerator: (request: FastifyRequest) =>
        request.opencrvs?.sub ? `sub:${request.opencrvs.sub}` : `ip:${request.ip}`,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `at most ${context.max} calls a minute per caller; try again in ${Math.ceil(context.ttl / 1000)} s`
      })
    })
    routes(scoped)
  })
}
