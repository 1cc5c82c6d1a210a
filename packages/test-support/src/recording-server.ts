import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'

/** One request as it arrived, body included. */
export interface RecordedRequest {
  method: string
  /** Path and query string as sent. */
  url: string
  /** The path without the query string. */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: string
}

export type Responder = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  port: number
  /** Every request received, in arrival order. */
  received: RecordedRequest[]
  /** Answers the next requests with `responder`. */
  handle(responder: Responder): void
  /** Closes open connections and stops listening. */
  close(): Promise<void>
}

/** Answers 404 to everything. */
const notFound: Responder = (_request, response) => {
  response.writeHead(404)
  response.end()
}

/** Writes `body` as JSON with `status`. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}

/**
 * An HTTP server on 127.0.0.1 that records every request and answers with the current
 * responder. A responder that throws or rejects answers 599 with the error. `port` 0 (the
 * default) takes a free port; a fixed port lets a test bring a server back where one was.
 */
export async function startRecordingServer(
  responder: Responder = notFound,
  options: { port?: number } = {}
): Promise<RecordingServer> {
  let current = responder
  const received: RecordedRequest[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const url = request.url ?? ''
      const parsed = new URL(url, 'http://recording.invalid')
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      received.push(recorded)
      Promise.resolve()
        .then(() => current(recorded, response))
        .catch((error: unknown) => {
          if (response.headersSent) return response.destroy()
          response.writeHead(599)
          response.end(String(error))
        })
    })
  })
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    handle: (next) => {
      current = next
    },
    close: async () => {
      if (!server.listening) return
      server.closeAllConnections()
      const closed = once(server, 'close')
      server.close()
      await closed
    }
  }
}

/**
 * A free port, taken from the system and released again. packages/sandbox/src/bridge-process.ts
 * has the same function for the demo: the code a package ships may not import test-support.
 */
export async function freePort(): Promise<number> {
  // Below the kernel's ephemeral range (32768-60999 on Linux), from which outgoing connections
  // take their local ports: a port the kernel handed out could be taken by one of them before
  // the process meant to listen on it does.
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const server = createServer()
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (!bound) continue
    const closed = once(server, 'close')
    server.close()
    await closed
    return port
  }
  throw new Error('no free port between 20000 and 32000')
}

/** A port on 127.0.0.1 that nothing listens on, so connections to it are refused. */
export const closedPort = freePort
