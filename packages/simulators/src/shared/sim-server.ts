import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'

/** One request as a simulator received it, for tests to assert on the wire. */
export interface RecordedRequest {
  service: string
  method: string
  /** Path and query string as sent. */
  url: string
  headers: Record<string, string | string[] | undefined>
  /** Raw body text exactly as received (undefined when there was none). */
  body: string | undefined
  at: number
}

/** Faults one service can be told to show. */
export interface FaultSettings {
  /** Added before the service answers. */
  latencyMs: number
  /** Share of requests (0..1) answered with `errorStatus` instead of the real answer. */
  errorRate: number
  errorStatus: number
  /** Connections are reset without an answer, as when the service is down. */
  outage: boolean
}

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 503,
  outage: false
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Name of the simulated service a route belongs to (for faults and the request log). */
    service?: string
  }
  interface FastifyRequest {
    /** The body exactly as received, before any parsing. */
    rawBody?: string
  }
}

export interface SimServerOptions {
  name: string
  /** Largest request kept in the log (characters); longer bodies are truncated there. */
  maxLoggedBody?: number
  /** How many requests the log keeps (oldest dropped first). */
  maxLoggedRequests?: number
  random?: () => number
}

/**
 * The HTTP base every simulator builds on: raw-body capture (signatures are checked on raw
 * bytes), a request log, per-service faults, whole-server outages that really refuse
 * connections, and a control API under `/_sim`.
 */
export class SimServer {
  readonly app: FastifyInstance
  readonly name: string
  private readonly log: RecordedRequest[] = []
  private readonly faults = new Map<string, FaultSettings>()
  private readonly random: () => number
  private readonly maxLoggedBody: number
  private readonly maxLoggedRequests: number
  private server: Server | undefined
  private host = '127.0.0.1'
  private port = 0
  private readonly sockets = new Set<Socket>()

  constructor(options: SimServerOptions) {
    this.name = options.name
    this.random = options.random ?? Math.random
    this.maxLoggedBody = options.maxLoggedBody ?? 1_000_000
    this.maxLoggedRequests = options.maxLoggedRequests ?? 2_000
    this.app = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024 })

    // Keep the raw text of every body; parse JSON ourselves so signature checks see the bytes.
    this.app.removeAllContentTypeParsers()
    this.app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string
      request.rawBody = text
      const type = String(request.headers['content-type'] ?? '')
      if (type.includes('json') && text.length > 0) {
        try {
          done(null, JSON.parse(text))
        } catch {
          // Real MOSIP and OpenCRVS answer malformed JSON with 400.
          const error = new Error('malformed JSON body') as Error & { statusCode: number }
          error.statusCode = 400
          done(error, undefined)
        }
        return
      }
      if (type.includes('application/x-www-form-urlencoded')) {
        done(null, Object.fromEntries(new URLSearchParams(text)))
        return
      }
      done(null, text)
    })

    this.app.addHook('preHandler', async (request, reply) => {
      const service = this.serviceOf(request)
      if (!service) return
      this.record(service, request)
      const faults = this.faults.get(service) ?? NO_FAULTS
      if (faults.outage) {
        request.raw.socket.destroy()
        return reply.hijack()
      }
      if (faults.latencyMs > 0)
        await new Promise((resolve) => setTimeout(resolve, faults.latencyMs))
      if (faults.errorRate > 0 && this.random() < faults.errorRate) {
        return reply
          .status(faults.errorStatus)
          .send({ error: 'injected fault', service, status: faults.errorStatus })
      }
    })

    this.registerControlApi()
  }

  private serviceOf(request: FastifyRequest): string | undefined {
    return request.routeOptions.config?.service
  }

  private record(service: string, request: FastifyRequest): void {
    const body = request.rawBody
    this.log.push({
      service,
      method: request.method,
      url: request.url,
      headers: { ...request.headers },
      body:
        body !== undefined && body.length > this.maxLoggedBody
          ? body.slice(0, this.maxLoggedBody)
          : body,
      at: Date.now()
    })
    if (this.log.length > this.maxLoggedRequests)
      this.log.splice(0, this.log.length - this.maxLoggedRequests)
  }

  /** Requests received, optionally for one service, oldest first. */
  requests(service?: string): RecordedRequest[] {
    return service ? this.log.filter((r) => r.service === service) : [...this.log]
  }

  clearRequests(): void {
    this.log.length = 0
  }

  setFaults(service: string, settings: Partial<FaultSettings>): FaultSettings {
    const merged = { ...(this.faults.get(service) ?? NO_FAULTS), ...settings }
    this.faults.set(service, merged)
    return merged
  }

  clearFaults(): void {
    this.faults.clear()
  }

  faultsOf(service: string): FaultSettings {
    return this.faults.get(service) ?? NO_FAULTS
  }

  private registerControlApi(): void {
    this.app.get('/_sim/requests', async (request) => {
      const { service } = request.query as { service?: string }
      return { requests: this.requests(service) }
    })
    this.app.delete('/_sim/requests', async () => {
      this.clearRequests()
      return { cleared: true }
    })
    this.app.get('/_sim/faults/:service', async (request) =>
      this.faultsOf((request.params as { service: string }).service)
    )
    this.app.put('/_sim/faults/:service', async (request, reply) => {
      const body = (request.body ?? {}) as Partial<Record<keyof FaultSettings, unknown>>
      const settings: Partial<FaultSettings> = {}
      if (body.latencyMs !== undefined) {
        if (typeof body.latencyMs !== 'number' || body.latencyMs < 0)
          return reply.status(400).send({ error: 'latencyMs must be a number ≥ 0' })
        settings.latencyMs = body.latencyMs
      }
      if (body.errorRate !== undefined) {
        if (typeof body.errorRate !== 'number' || body.errorRate < 0 || body.errorRate > 1)
          return reply.status(400).send({ error: 'errorRate must be a number from 0 to 1' })
        settings.errorRate = body.errorRate
      }
      if (body.errorStatus !== undefined) {
        if (
          typeof body.errorStatus !== 'number' ||
          body.errorStatus < 100 ||
          body.errorStatus > 599
        )
          return reply.status(400).send({ error: 'errorStatus must be an HTTP status' })
        settings.errorStatus = body.errorStatus
      }
      if (body.outage !== undefined) {
        if (typeof body.outage !== 'boolean')
          return reply.status(400).send({ error: 'outage must be a boolean' })
        settings.outage = body.outage
      }
      return this.setFaults((request.params as { service: string }).service, settings)
    })
    this.app.delete('/_sim/faults', async () => {
      this.clearFaults()
      return { cleared: true }
    })
  }

  /** Starts listening; port 0 picks a free port. Returns the base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await this.app.ready()
    this.host = host
    const server = createServer((socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
      this.app.server.emit('connection', socket)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
    return this.url
  }

  get url(): string {
    return `http://${this.host}:${this.port}`
  }

  get listening(): boolean {
    return this.server?.listening ?? false
  }

  /** Whole-server outage: stops listening (new connections are refused) and drops open ones. */
  async goDown(): Promise<void> {
    const server = this.server
    if (!server?.listening) return
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      for (const socket of this.sockets) socket.destroy()
    })
  }

  /** Ends an outage: listens again on the same port. */
  async comeUp(): Promise<void> {
    const server = this.server
    if (!server || server.listening) return
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, this.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  }

  async close(): Promise<void> {
    await this.goDown()
    await this.app.close()
  }
}
