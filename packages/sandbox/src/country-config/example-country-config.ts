import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import {
  createTriggerHandlers,
  generateRegistrationNumber,
  type TriggerHandler,
  type TriggerHandlerOptions,
  type TriggerOutcome,
  type TriggerResponse
} from '@mosip-bridge/client'
import { createTriggerTokenVerifier } from './trigger-token.js'

/**
 * An example OpenCRVS country configuration built on `@mosip-bridge/client`: the action-trigger
 * routes core calls, on node:http. Births and deaths being registered, and approved birth
 * corrections, go through the client's handlers; every other trigger is accepted at once (with a
 * registration number for a REGISTER of another event type), as the reference country
 * configuration's catch-all does.
 */

export interface ExampleCountryConfigOptions {
  /** The bridge's base URL (`MOSIP_INTEROP_URL`). */
  bridgeUrl: string
  /** Default 0 (a free port). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /**
   * The OpenCRVS auth service's public key URL (`{AUTH_URL}/.well-known`). When set, trigger
   * tokens are checked as the reference country configuration does and a bad one gets 401.
   */
  opencrvsPublicKeyUrl?: string
  /** Event types handled as births and deaths. Default `birth`/`v2.birth`, `death`/`v2.death`. */
  eventTypes?: { birth?: string[]; death?: string[] }
  /** Everything else the handlers take (rules, payload mapping, retries…). */
  handlers?: Omit<TriggerHandlerOptions, 'mosipInteropUrl'>
  /** Largest trigger body accepted, in bytes. Default 10 MiB. */
  bodyLimit?: number
}

export interface ExampleCountryConfig {
  url: string
  /** Every decision of the handlers, oldest first (no personal data). */
  outcomes: TriggerOutcome[]
  close(): Promise<void>
}

const TRIGGER_PATH = /^\/trigger\/events\/([^/?]+)\/actions\/([^/?]+)\/?(?:\?.*)?$/

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > limit) throw new BodyTooLarge()
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
  return match?.[1]
}

/** Starts the example country configuration and resolves once it listens. */
export async function startExampleCountryConfig(
  options: ExampleCountryConfigOptions
): Promise<ExampleCountryConfig> {
  const outcomes: TriggerOutcome[] = []
  const handlerOptions = options.handlers ?? {}
  const handlers = createTriggerHandlers({
    ...handlerOptions,
    mosipInteropUrl: options.bridgeUrl,
    onOutcome: (outcome) => {
      outcomes.push(outcome)
      handlerOptions.onOutcome?.(outcome)
    }
  })
  const births = new Set(options.eventTypes?.birth ?? ['birth', 'v2.birth'])
  const deaths = new Set(options.eventTypes?.death ?? ['death', 'v2.death'])
  const nextNumber =
    handlerOptions.generateRegistrationNumber ?? (() => generateRegistrationNumber())
  const verifyToken = options.opencrvsPublicKeyUrl
    ? createTriggerTokenVerifier(options.opencrvsPublicKeyUrl)
    : undefined
  const bodyLimit = options.bodyLimit ?? 10 * 1024 * 1024

  function handlerFor(eventType: string, actionType: string): TriggerHandler | undefined {
    if (births.has(eventType) && actionType === 'REGISTER') return handlers.birthRegister
    if (deaths.has(eventType) && actionType === 'REGISTER') return handlers.deathRegister
    if (births.has(eventType) && actionType === 'APPROVE_CORRECTION') {
      return handlers.birthCorrection
    }
    return undefined
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? ''
    if (request.method === 'GET' && path === '/health') return send(response, 200, { status: 'ok' })
    const match = TRIGGER_PATH.exec(path)
    if (request.method !== 'POST' || !match) {
      return send(response, 404, { error: 'Not Found' })
    }
    const eventType = decodeURIComponent(match[1] ?? '')
    const actionType = decodeURIComponent(match[2] ?? '')
    const token = bearerToken(request)
    if (verifyToken) {
      const check = await verifyToken(token)
      if (!check.ok) return send(response, 401, { error: 'Unauthorized', message: check.reason })
    }
    let body: Buffer
    try {
      body = await readBody(request, bodyLimit)
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        return send(response, 400, { reason: 'the trigger body is too large' })
      }
      throw error
    }
    const handler = handlerFor(eventType, actionType)
    let answer: TriggerResponse
    if (handler) {
      answer = await handler(body, token)
    } else if (actionType === 'REGISTER') {
      // Core requires a registration number to accept a REGISTER.
      answer = {
        status: 200,
        body: { registrationNumber: await nextNumber(JSON.parse(body.toString('utf8'))) }
      }
    } else {
      answer = { status: 200, body: {} }
    }
    send(response, answer.status, answer.body)
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      // Never a 5xx: core would leave the action requested and the record locked.
      send(response, 400, {
        reason: `the country configuration failed: ${error instanceof Error ? error.message : String(error)}`
      })
    })
  })
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the server has no address')
  const host = options.host ?? '127.0.0.1'
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    outcomes,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}
