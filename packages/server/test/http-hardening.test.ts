/**
 * Hardening of the HTTP surface: a body over BODY_LIMIT_BYTES is answered 413 and the client
 * reads that answer even while it is still sending (on a real socket, with and without
 * Content-Length); the API documentation is served under a strict Content-Security-Policy.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import pino from 'pino'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/http/build-app.js'
import type { Store } from '../src/store/database.js'

const LIMIT = 1024

interface Exchange {
  /** Everything the server sent before the connection ended. */
  received: string
  /** Bytes of body the client managed to write. */
  written: number
}

/**
 * Sends a request head, then body chunks as fast as the socket takes them — without waiting for
 * an answer, and without stopping when it comes — until the connection ends or `total` bytes
 * are written.
 */
function keepWriting(port: number, chunked: boolean, total: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    let written = 0
    let ended = false
    const finish = () => {
      if (ended) return
      ended = true
      socket.destroy()
      resolve({ received, written })
    }
    socket.on('data', (data: Buffer) => (received += data.toString('utf8')))
    socket.on('error', finish) // EPIPE / ECONNRESET once the server cuts the connection
    socket.on('close', finish)
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const framed = chunked
      ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
      : chunk
    const pump = () => {
      while (!socket.destroyed && written < total) {
        written += chunk.length
        if (!socket.write(framed)) {
          socket.once('drain', pump)
          return
        }
      }
      if (chunked && !socket.destroyed) socket.write('0\r\n\r\n')
    }
    socket.once('connect', () => {
      socket.write(
        [
          'POST /upload HTTP/1.1',
          'Host: bridge',
          'Content-Type: application/json',
          chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`,
          '',
          ''
        ].join('\r\n')
      )
      pump()
    })
  })
}

function assertReadable413(exchange: Exchange): void {
  assert.match(exchange.received, /^HTTP\/1\.1 413 Payload Too Large\r\n/)
  assert.match(exchange.received, /\r\nconnection: close\r\n/i)
  const body = exchange.received.slice(exchange.received.indexOf('\r\n\r\n') + 4)
  const parsed = JSON.parse(body) as { statusCode: number; message: string }
  assert.equal(parsed.statusCode, 413)
  assert.match(parsed.message, new RegExp(`larger than ${LIMIT} bytes`))
}

describe('oversized bodies on a real socket', () => {
  let app: FastifyInstance
  let port: number
  before(async () => {
    app = buildApp({
      logger: pino({ level: 'silent' }),
      store: { dialect: 'sqlite', ping: async () => undefined } as unknown as Store,
      bodyLimit: LIMIT,
      routes: [(a) => a.post('/upload', async () => ({ ok: true }))]
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    port = (app.server.address() as net.AddressInfo).port
  })
  after(() => app.close())

  for (const chunked of [false, true]) {
    const framing = chunked ? 'chunked, no Content-Length' : 'with Content-Length'
    it(`answers 413 to a client that keeps writing (${framing}), reading and dropping up to a cap`, async () => {
      // 64 MB: far more than the server reads before closing.
      const exchange = await keepWriting(port, chunked, 64 * 1024 * 1024)
      assertReadable413(exchange)
      assert.ok(exchange.written < 64 * 1024 * 1024, 'the connection was closed before the end')
    })

    it(`lets a client that finishes its body read the 413 and a clean close (${framing})`, async () => {
      const exchange = await keepWriting(port, chunked, 2 * 1024 * 1024)
      assertReadable413(exchange)
      assert.equal(exchange.written, 2 * 1024 * 1024)
    })
  }

  it('a node:http client sending a large body gets the 413 response', async () => {
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/upload',
          headers: { 'content-type': 'application/json', 'content-length': 4 * 1024 * 1024 }
        },
        (response) => {
          let body = ''
          response.on('data', (data: Buffer) => (body += data.toString('utf8')))
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
        }
      )
      request.on('error', reject)
      const chunk = Buffer.alloc(64 * 1024, 'a')
      for (let i = 0; i < 64; i++) request.write(chunk)
      request.end()
    })
    assert.equal(status.status, 413)
    assert.equal((JSON.parse(status.body) as { statusCode: number }).statusCode, 413)
  })

  it('still accepts a body within the limit on the same server', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ small: true })
    })
    assert.equal(response.status, 200)
  })
})

describe('Content-Security-Policy of the API documentation', () => {
  const app = buildApp({
    logger: pino({ level: 'silent' }),
    store: { dialect: 'sqlite', ping: async () => undefined } as unknown as Store
  })
  after(() => app.close())

  it('is strict on every documentation page and asset, and absent from the API', async () => {
    for (const url of [
      '/documentation/',
      '/documentation/static/index.html',
      '/documentation/static/swagger-initializer.js',
      '/documentation/json'
    ]) {
      const response = await app.inject({ method: 'GET', url })
      assert.ok(response.statusCode < 400, `${url}: ${response.statusCode}`)
      const policy = String(response.headers['content-security-policy'] ?? '')
      assert.match(policy, /default-src 'none'/, url)
      assert.match(policy, /script-src 'self';/, url)
      assert.match(policy, /style-src 'self';/, url)
      assert.match(policy, /frame-ancestors 'none'/, url)
      assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https:|\*/, url)
      assert.equal(response.headers['x-content-type-options'], 'nosniff')
    }
    // The page itself loads only its own scripts: no inline script for the policy to block.
    const page = await app.inject({ method: 'GET', url: '/documentation/static/index.html' })
    assert.doesNotMatch(page.body, /<script>(?!\s*<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/)
    const health = await app.inject({ method: 'GET', url: '/health' })
    assert.equal(health.headers['content-security-policy'], undefined)
  })
})
