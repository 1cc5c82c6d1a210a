import { Socket } from 'node:net'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** At most this much of an oversized body is read (and dropped) before the connection closes. */
export const DISCARD_CAP_BYTES = 16 * 1024 * 1024

/** …and for at most this long. */
export const DISCARD_CAP_MS = 10_000

/**
 * Answers a request whose body is over the limit with a 413 the client can read while it is
 * still sending. Node's HTTP server destroys the socket as soon as a `Connection: close` answer
 * is flushed; with request bytes still unread, the kernel then resets the connection, and a
 * client still writing gets EPIPE/ECONNRESET instead of the answer. So the answer is written to
 * the socket directly (outside the ServerResponse, which would close it) and the rest of the body
 * is read and dropped — until the request ends, or up to a cap in bytes and time — before the
 * connection is closed. Neither Fastify nor Node offers this, hence the hand-written response.
 */
export function answerBodyTooLarge(
  request: FastifyRequest,
  reply: FastifyReply,
  limit: number
): void {
  const incoming = request.raw
  const socket = incoming.socket
  const body = JSON.stringify({
    statusCode: 413,
    error: 'Payload Too Large',
    message: `the request body is larger than ${limit} bytes`
  })
  request.log.info({ limit }, 'request body over the limit: answered 413')
  // Injected requests (tests) have no connection to keep reading from.
  if (!(socket instanceof Socket)) {
    void reply.status(413).type('application/json; charset=utf-8').send(body)
    return
  }
  reply.hijack()
  if (socket.destroyed) return
  socket.write(
    [
      'HTTP/1.1 413 Payload Too Large',
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'x-content-type-options: nosniff',
      `x-request-id: ${request.id}`,
      'connection: close',
      '',
      body
    ].join('\r\n')
  )
  let discarded = 0
  let closed = false
  const close = (graceful: boolean) => {
    if (closed) return
    closed = true
    clearTimeout(timer)
    incoming.removeListener('data', onData)
    // After the whole body: a FIN, and the client reads the answer at its pace. Over the cap:
    // the client had the answer while it wrote; the connection is cut.
    if (graceful) socket.end(() => socket.destroy())
    else socket.destroy()
  }
  const onData = (chunk: Buffer) => {
    discarded += chunk.length
    if (discarded > DISCARD_CAP_BYTES) close(false)
  }
  const timer = setTimeout(() => close(false), DISCARD_CAP_MS)
  timer.unref()
  incoming.on('data', onData)
  incoming.once('end', () => close(true))
  incoming.once('error', () => close(false))
  socket.once('close', () => close(false))
  incoming.resume()
  if (incoming.complete) close(true)
}
