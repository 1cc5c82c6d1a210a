import { hostname } from 'node:os'
import { pino } from 'pino'
import { createRedactor } from './redact.js'
import { REDACTED, scrubString } from './redaction-rules.js'
import type { Redactor } from './redact.js'

export type Logger = pino.Logger

interface CreateLoggerOptions {
  level: string
  /** Where lines go; stdout when omitted. */
  destination?: pino.DestinationStream
  /** Extra fields on every line (redacted like everything else). */
  base?: Record<string, unknown>
  /** Key names to censor on top of the built-in set. */
  extraSensitiveKeys?: Iterable<string>
}

interface JobLogContext {
  id: string | number
  task: string
  attempt: number
}

/** Log keys handled by their own (redacting) serializers instead of the generic walk. */
const SERIALIZED_KEYS: ReadonlySet<string> = new Set(['err', 'req', 'res'])

type SerializerFn = pino.SerializerFn
type ChildFn = (
  this: Logger,
  bindings: pino.Bindings,
  options?: pino.ChildLoggerOptions<string>
) => Logger
type SetBindingsFn = (this: Logger, bindings: pino.Bindings) => void

/**
 * A pino logger that cannot be talked into writing secrets or personal data:
 * - every log object goes through key-based deep redaction (`formatters.log`), as do the base
 *   bindings (`formatters.bindings`) and the bindings of every child logger (`child` is wrapped,
 *   since pino only runs `formatters.bindings` for the root's base bindings);
 * - `err`, `req` and `res` have serializers that redact their own output (`req` keeps method,
 *   url with OAuth query values censored, id and remote address; `res` only the status code);
 * - message strings and interpolation arguments are scrubbed in the `logMethod` hook, and the
 *   final line is scrubbed once more for JWT / Bearer shaped substrings (`streamWrite`), which
 *   also covers `msg` taken from an error's message;
 * - pino's path-based `redact` censors request/response auth headers as a last line of defence.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const redactor = createRedactor({ extraSensitiveKeys: options.extraSensitiveKeys ?? [] })
  const serializers: Record<string, SerializerFn> = {
    err: (value: unknown) => serializeError(redactor, value),
    req: (value: unknown) => serializeRequest(redactor, value),
    res: (value: unknown) => serializeResponse(value)
  }

  const loggerOptions: pino.LoggerOptions = {
    level: options.level,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { pid: process.pid, hostname: hostname(), service: 'mosip-bridge', ...options.base },
    serializers,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: REDACTED
    },
    formatters: {
      bindings: (bindings) => redactor.redactObject(bindings, SERIALIZED_KEYS),
      log: (object) => redactor.redactObject(object, SERIALIZED_KEYS)
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, scrubLogArguments(redactor, args))
      },
      streamWrite: scrubString
    }
  }

  const logger =
    options.destination === undefined
      ? pino(loggerOptions)
      : pino(loggerOptions, options.destination)
  guardChildBindings(logger, redactor)
  return logger
}

/** A child logger whose lines all carry `{ jobId, task, attempt }`. */
export function childForJob(logger: Logger, job: JobLogContext): Logger {
  return logger.child({ jobId: job.id, task: job.task, attempt: job.attempt })
}

/** A child logger whose lines all carry `{ reqId }`. */
export function childForRequest(logger: Logger, reqId: string): Logger {
  return logger.child({ reqId })
}

/**
 * pino serializes child bindings once, at `child()` time, without `formatters.bindings`, so wrap
 * `child` (and `setBindings`) on the root: children inherit the wrappers through their prototype
 * chain. Serializers and log formatters passed as child options are wrapped to redact too.
 */
function guardChildBindings(root: Logger, redactor: Redactor): void {
  const originalChild = root.child as unknown as ChildFn
  const originalSetBindings = root.setBindings as unknown as SetBindingsFn

  const child: ChildFn = function (bindings, childOptions) {
    const safeBindings = redactor.redactObject(bindings, SERIALIZED_KEYS)
    return originalChild.call(this, safeBindings, guardChildOptions(redactor, childOptions))
  }
  const setBindings: SetBindingsFn = function (bindings) {
    originalSetBindings.call(this, redactor.redactObject(bindings, SERIALIZED_KEYS))
  }
  Object.defineProperty(root, 'child', { value: child, writable: true, configurable: true })
  Object.defineProperty(root, 'setBindings', {
    value: setBindings,
    writable: true,
    configurable: true
  })
}

function guardChildOptions(
  redactor: Redactor,
  childOptions: pino.ChildLoggerOptions<string> | undefined
): pino.ChildLoggerOptions<string> | undefined {
  if (childOptions === undefined || childOptions === null) return childOptions
  let guarded = childOptions
  if (childOptions.serializers !== undefined) {
    const serializers: Record<string, SerializerFn> = {}
    for (const [key, serializer] of Object.entries(childOptions.serializers)) {
      serializers[key] =
        key === 'err'
          ? (value: unknown) => redactor.redactError(serializer(value))
          : key === 'req'
            ? (value: unknown) => serializeRequest(redactor, serializer(value))
            : (value: unknown) => redactor.redact(serializer(value))
    }
    guarded = { ...guarded, serializers }
  }
  const log = childOptions.formatters?.log
  if (log !== undefined) {
    guarded = {
      ...guarded,
      formatters: {
        ...childOptions.formatters,
        log: (object: object) => redactor.redactObject(log(object), SERIALIZED_KEYS)
      }
    }
  }
  return guarded
}

/**
 * The merging object (first argument, when it is an object) is left to `formatters.log`;
 * the message and any interpolation arguments are scrubbed / redacted here.
 */
function scrubLogArguments(
  redactor: Redactor,
  args: Parameters<pino.LogFn>
): Parameters<pino.LogFn> {
  const input: unknown[] = args
  const first = input[0]
  const start = first !== null && typeof first === 'object' ? 1 : 0
  const output = input.slice()
  for (let i = start; i < output.length; i++) {
    const value = output[i]
    if (typeof value === 'string') output[i] = scrubString(value)
    else if (i > start && value !== null && typeof value === 'object') {
      output[i] = redactor.redact(value)
    }
  }
  return output as Parameters<pino.LogFn>
}

function serializeError(redactor: Redactor, value: unknown): unknown {
  if (value instanceof Error) return redactor.redactError(pino.stdSerializers.err(value))
  return redactor.redactError(value)
}

function serializeRequest(redactor: Redactor, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return redactor.redact(value)
  const req = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  if (typeof req.method === 'string') out.method = req.method
  const url = typeof req.originalUrl === 'string' ? req.originalUrl : req.url
  if (typeof url === 'string') out.url = redactor.scrubUrl(url)
  const id = req.id ?? req.reqId
  if (typeof id === 'string' || typeof id === 'number') out.id = id
  const remoteAddress = req.ip ?? req.remoteAddress ?? socketAddress(req.socket)
  if (typeof remoteAddress === 'string') out.remoteAddress = remoteAddress
  return redactor.redact(out)
}

function socketAddress(socket: unknown): unknown {
  if (socket === null || typeof socket !== 'object') return undefined
  return (socket as { remoteAddress?: unknown }).remoteAddress
}

function serializeResponse(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return {}
  const res = value as { statusCode?: unknown }
  return typeof res.statusCode === 'number' ? { statusCode: res.statusCode } : {}
}
