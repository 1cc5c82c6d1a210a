/**
 * Small wire facts shared by the MOSIP core simulators: the kernel `ResponseWrapper`, Spring's
 * default error body, MOSIP's UTC timestamp format and cookie reading.
 */
import type { FastifyReply } from 'fastify'

/** `ServiceError`. A type alias (not an interface) so it fits the contracts' loose objects. */
export type MosipErrorEntry = {
  errorCode: string
  message: string
}

/** `DateUtils.getUTCCurrentDateTimeString()`: `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`. */
export function mosipTimestamp(at: Date = new Date()): string {
  return at.toISOString()
}

const UTC_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/

/**
 * Parses `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` exactly as `DateUtils.parseToLocalDateTime` does (no
 * missing milliseconds, no offsets, no impossible dates). Returns epoch milliseconds.
 */
export function parseMosipTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const match = UTC_PATTERN.exec(value)
  if (!match) return undefined
  const [year, month, day, hour, minute, second, milli] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number
  ]
  const at = Date.UTC(year, month - 1, day, hour, minute, second, milli)
  const check = new Date(at)
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined
  return at
}

/** The kernel `ResponseWrapper` as Jackson writes it. */
export function mosipEnvelope(parts: {
  id?: string | null
  version?: string | null
  response?: unknown
  errors?: MosipErrorEntry[] | unknown[] | null
}): Record<string, unknown> {
  return {
    id: parts.id ?? null,
    version: parts.version ?? null,
    responsetime: mosipTimestamp(),
    metadata: null,
    response: parts.response ?? null,
    errors: parts.errors === undefined ? [] : parts.errors
  }
}

/** Spring Boot's default error body (`BasicErrorController`), e.g. for an unreadable request. */
export function sendSpringError(
  reply: FastifyReply,
  status: 400 | 415 | 500,
  path: string
): FastifyReply {
  const error =
    status === 400
      ? 'Bad Request'
      : status === 415
        ? 'Unsupported Media Type'
        : 'Internal Server Error'
  return reply.status(status).send({ timestamp: mosipTimestamp(), status, error, path })
}

/**
 * Value of one cookie in a `Cookie` header, as a servlet container parses it: pairs separated by
 * `;`, surrounding spaces ignored, so `Authorization=<jwt>;` (OpenCRVS's trailing semicolon) works.
 */
export function cookieValue(
  header: string | string[] | undefined,
  name: string
): string | undefined {
  if (header === undefined) return undefined
  const text = Array.isArray(header) ? header.join('; ') : header
  for (const part of text.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() !== name) continue
    const value = part.slice(eq + 1).trim()
    const unquoted =
      value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
    if (unquoted.length > 0) return unquoted
  }
  return undefined
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Whether the request declared a JSON body (the Spring and Vert.x routes consume JSON only). */
export function hasJsonContentType(contentType: string | undefined): boolean {
  return typeof contentType === 'string' && contentType.toLowerCase().includes('json')
}
