import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'

export interface MetricsListener {
  url: string
  close(): Promise<void>
}

/**
 * A second listener (METRICS_PORT) that serves only `GET /metrics`, answered by the main app
 * itself, so both ports show the same figures. Anything else is a 404. Kept on plain node:http:
 * it has one route and no body to parse, and going through the app keeps one definition of
 * what /metrics returns.
 */
export async function listenForMetrics(
  app: FastifyInstance,
  port: number,
  host: string
): Promise<MetricsListener> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0]
    if (request.method !== 'GET' || (path !== '/metrics' && path !== '/metrics/')) {
      response.writeHead(404, {
        'content-type': 'application/json; charset=utf-8',
        'x-content-type-options': 'nosniff'
      })
      response.end(
        JSON.stringify({
          statusCode: 404,
          error: 'Not Found',
          message: 'only /metrics is served here'
        })
      )
      return
    }
    app.inject({ method: 'GET', url: '/metrics' }).then(
      (answer) => {
        response.writeHead(answer.statusCode, {
          'content-type': String(answer.headers['content-type'] ?? 'text/plain'),
          'x-content-type-options': 'nosniff'
        })
        response.end(answer.rawPayload)
      },
      () => {
        response.writeHead(500, { 'content-type': 'text/plain' })
        response.end('metrics unavailable\n')
      }
    )
  })
  // A scraper that stalls is cut off like one on the main port.
  server.requestTimeout = 30_000
  server.headersTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
