import type { FastifyReply, FastifyRequest } from 'fastify'
import { deserialize, serialize } from 'superjson'
import type { OpencrvsTrpcResponseItem } from '@mosip-bridge/contracts'
import { TrpcError, trpcErrorShape } from './trpc-error.js'

/**
 * tRPC-over-HTTP as `@trpc/server` 11 answers it with the superjson transformer: batch calls (`?batch=1`, paths joined by `,`, inputs keyed by
 * position), single calls, lazy per-call input parsing, error shapes and the HTTP status rule
 * (one common status, or 207).
 */

export interface TrpcProcedure<Context> {
  type: 'query' | 'mutation'
  resolve(input: unknown, context: Context, path: string): Promise<unknown>
}

export type TrpcRouter<Context> = ReadonlyMap<string, TrpcProcedure<Context>>

/** Marks a JSON body that did not parse, so the calls can answer PARSE_ERROR themselves. */
export class MalformedJsonBody {
  constructor(readonly reason: string) {}
}

interface TrpcHttpOptions<Context> {
  router: TrpcRouter<Context>
  context: Context
  production: boolean
  /** Runs before each call (fault injection); a thrown error becomes that call's error. */
  beforeCall?: (path: string) => void
}

interface CallResult {
  item: OpencrvsTrpcResponseItem
  status: number
}

export async function handleTrpcRequest<Context>(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  options: TrpcHttpOptions<Context>
): Promise<void> {
  const query = new URLSearchParams(request.url.split('?')[1] ?? '')
  const isBatch = query.get('batch') === '1'
  const method = request.method

  if (method === 'POST') {
    const contentType = request.headers['content-type']
    if (contentType === undefined || !contentType.startsWith('application/json')) {
      const error = new TrpcError(
        'UNSUPPORTED_MEDIA_TYPE',
        contentType === undefined
          ? 'Missing content-type header'
          : `Unsupported content-type "${contentType}"`
      )
      const shape = trpcErrorShape(error, { production: options.production })
      await send(reply, shape.data.httpStatus, { error: serialize(shape as never) })
      return
    }
  }

  const paths = isBatch ? path.split(',') : [path]
  const readInputs = lazy(() => rawInputs(request, method, query))

  const results: CallResult[] = []
  for (const [index, callPath] of paths.entries()) {
    try {
      const procedure = options.router.get(callPath)
      if (!procedure) throw new TrpcError('NOT_FOUND', `No procedure found on path "${callPath}"`)
      if (procedure.type === 'mutation' && method !== 'POST') {
        throw new TrpcError(
          'METHOD_NOT_SUPPORTED',
          `Unsupported ${method}-request to mutation procedure at path "${callPath}"`
        )
      }
      options.beforeCall?.(callPath)
      const raw = readInputs()
      const encoded = isBatch ? batchItem(raw, index) : raw
      const input = decodeInput(encoded)
      const output = await procedure.resolve(input, options.context, callPath)
      results.push({
        item: { result: { data: serialize(output as never) } },
        status: 200
      })
    } catch (error) {
      const shape = trpcErrorShape(error, { path: callPath, production: options.production })
      results.push({
        item: { error: serialize(shape as never) as { json: typeof shape } },
        status: shape.data.httpStatus
      })
    }
  }

  const statuses = new Set(results.map((result) => result.status))
  const status = statuses.size === 1 ? (results[0]?.status ?? 200) : 207
  await send(reply, status, isBatch ? results.map((r) => r.item) : results[0]?.item)
}

async function send(reply: FastifyReply, status: number, body: unknown): Promise<void> {
  await reply.status(status).header('content-type', 'application/json').send(JSON.stringify(body))
}

function lazy<T>(compute: () => T): () => T {
  let done = false
  let value: T
  let failure: unknown
  return () => {
    if (!done) {
      try {
        value = compute()
      } catch (error) {
        failure = error
      }
      done = true
    }
    if (failure !== undefined) throw failure
    return value
  }
}

/** The undecoded input(s): `?input=` for GET, the JSON body for POST. */
function rawInputs(request: FastifyRequest, method: string, query: URLSearchParams): unknown {
  if (method === 'GET') {
    const text = query.get('input')
    if (text === null) return undefined
    try {
      return JSON.parse(text) as unknown
    } catch (cause) {
      throw new TrpcError('PARSE_ERROR', cause instanceof Error ? cause.message : String(cause))
    }
  }
  const body = request.body
  if (body instanceof MalformedJsonBody) throw new TrpcError('PARSE_ERROR', body.reason)
  if (request.rawBody === undefined || request.rawBody === '') return undefined
  return body
}

function batchItem(raw: unknown, index: number): unknown {
  if (raw === undefined || raw === null || typeof raw !== 'object') return undefined
  return (raw as Record<string, unknown>)[String(index)]
}

/**
 * superjson 1.9.0-0, as core pins it: `{json, meta}` → value. A body without the `json` wrapper
 * decodes to undefined (so the input schema then refuses it), and a dotted innermost key such as
 * `"child.nid"` misses its `undefined` annotation and stays `null`.
 */
function decodeInput(encoded: unknown): unknown {
  if (encoded === undefined) return undefined
  try {
    return deserialize(encoded as never)
  } catch (cause) {
    throw new TrpcError('PARSE_ERROR', cause instanceof Error ? cause.message : String(cause))
  }
}
