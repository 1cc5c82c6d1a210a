/**
 * Key-based deep redaction for anything that may end up in a log line.
 *
 * pino's own `redact` option only understands fixed paths, so a token or a person's name nested
 * at an arbitrary depth (a MOSIP response inside an error inside a job payload...) slips through.
 * This module walks values instead and censors every property whose key looks sensitive, plus
 * JWT / `Bearer` / OAuth query-parameter shaped substrings of any string value. What counts as
 * sensitive is decided in `redaction-rules.ts`.
 */
import {
  REDACTED,
  createKeyClassifier,
  isFailureCode,
  scrubString,
  scrubUrlWith
} from './redaction-rules.js'

/** Replaces a reference back to an object that is being copied (a cycle). */
export const CIRCULAR = '[Circular]'
/** Replaces Buffers, typed arrays and ArrayBuffers: raw bytes are never logged. */
export const BINARY = '[Binary]'
/** Replaces objects nested deeper than the depth limit. */
export const TRUNCATED = '[Truncated]'
/** Objects deeper than this (the value passed in is depth 0) are replaced by `TRUNCATED`. */
const DEFAULT_MAX_DEPTH = 10

interface RedactOptions {
  /** More key names to censor (exact match after normalisation). */
  extraSensitiveKeys?: Iterable<string>
  /** Objects nested deeper than this are replaced by `[Truncated]`. Default 10. */
  maxDepth?: number
}

export interface Redactor {
  /** A redacted deep copy of `value`; the input is never modified. */
  redact(value: unknown): unknown
  /**
   * Like `redact`, but for a top-level object whose `passThrough` keys are copied untouched
   * (used for log objects whose `err`/`req`/`res` are handled by their own serializers).
   */
  redactObject(value: object, passThrough?: ReadonlySet<string>): Record<string, unknown>
  /**
   * For errors and serialized errors (`{ type, message, stack, ... }`): keeps `name`, `type`,
   * `message`, `code` and `stack` (token-scrubbed) and redacts every other property.
   */
  redactError(value: unknown): unknown
  /** Whether a property with this (raw, unnormalised) name is censored. */
  isSensitiveKey(key: string): boolean
  /** Censors sensitive query/fragment parameter values and token-shaped substrings of a URL. */
  scrubUrl(url: string): string
}

const ERROR_KEPT_KEYS: ReadonlySet<string> = new Set(['name', 'type', 'message', 'stack', 'code'])
const ERROR_NESTED_KEYS: ReadonlySet<string> = new Set(['cause', 'errors', 'aggregateErrors'])

export function createRedactor(options: RedactOptions = {}): Redactor {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const isSensitiveKey = createKeyClassifier(options.extraSensitiveKeys)

  function walk(value: unknown, depth: number, ancestors: Set<object>): unknown {
    if (typeof value === 'string') return scrubString(value)
    if (value === null || typeof value !== 'object') return value
    return walkObject(value, depth, ancestors)
  }

  function walkProperty(key: string, value: unknown, depth: number, ancestors: Set<object>) {
    if (value === undefined || value === null) return value
    if (isSensitiveKey(key) && !isFailureCode(key, value)) return REDACTED
    return walk(value, depth, ancestors)
  }

  function walkObject(value: object, depth: number, ancestors: Set<object>): unknown {
    if (ancestors.has(value)) return CIRCULAR
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return BINARY
    if (depth >= maxDepth) return TRUNCATED
    ancestors.add(value)
    try {
      if (Array.isArray(value)) {
        const out: unknown[] = new Array<unknown>(value.length)
        for (let i = 0; i < value.length; i++) out[i] = walk(value[i], depth + 1, ancestors)
        return out
      }
      if (value instanceof Error) return copyError(value, depth, ancestors)
      if (value instanceof Map) {
        const out: Record<string, unknown> = {}
        for (const [key, entry] of value) {
          assign(out, String(key), walkProperty(String(key), entry, depth + 1, ancestors))
        }
        return out
      }
      if (value instanceof Set) {
        return Array.from(value, (entry) => walk(entry, depth + 1, ancestors))
      }
      const toJSON: unknown = (value as { toJSON?: unknown }).toJSON
      if (typeof toJSON === 'function') {
        // Mirror JSON.stringify (Date, URL, ...), then redact whatever it produced.
        const json: unknown = toJSON.call(value)
        if (json !== value) return walk(json, depth, ancestors)
      }
      return copyProperties(value, depth, ancestors, undefined)
    } catch {
      return '[Unserializable]'
    } finally {
      ancestors.delete(value)
    }
  }

  function copyProperties(
    value: object,
    depth: number,
    ancestors: Set<object>,
    passThrough: ReadonlySet<string> | undefined
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    const source = value as Record<string, unknown>
    for (const key of Object.keys(source)) {
      let entry: unknown
      try {
        entry = source[key]
      } catch {
        entry = '[Unserializable]'
      }
      assign(
        out,
        key,
        passThrough?.has(key) === true ? entry : walkProperty(key, entry, depth + 1, ancestors)
      )
    }
    return out
  }

  /** Errors and error-like objects: keep the diagnostic fields, redact the rest. */
  function copyError(
    value: object,
    depth: number,
    ancestors: Set<object>
  ): Record<string, unknown> {
    const source = value as Record<string, unknown>
    const keys = new Set<string>()
    if (value instanceof Error) {
      keys.add('name').add('message').add('stack')
      if ('code' in value) keys.add('code')
    }
    for (const key of Object.keys(source)) keys.add(key)
    if (value instanceof Error) {
      if ('cause' in value) keys.add('cause')
      if ('errors' in value && Array.isArray(value.errors)) keys.add('errors')
    }
    const out: Record<string, unknown> = {}
    for (const key of keys) {
      let entry: unknown
      try {
        entry = source[key]
      } catch {
        entry = '[Unserializable]'
      }
      if (entry === undefined) continue
      if (ERROR_KEPT_KEYS.has(key)) {
        assign(out, key, walk(entry, depth + 1, ancestors))
      } else if (ERROR_NESTED_KEYS.has(key)) {
        assign(out, key, walkErrorLike(entry, depth + 1, ancestors))
      } else {
        assign(out, key, walkProperty(key, entry, depth + 1, ancestors))
      }
    }
    return out
  }

  function walkErrorLike(value: unknown, depth: number, ancestors: Set<object>): unknown {
    if (value === null || typeof value !== 'object') return walk(value, depth, ancestors)
    if (value instanceof Error || !isErrorShaped(value)) {
      if (!Array.isArray(value)) return walkObject(value, depth, ancestors)
      if (ancestors.has(value)) return CIRCULAR
      if (depth >= maxDepth) return TRUNCATED
      ancestors.add(value)
      try {
        return value.map((entry: unknown) => walkErrorLike(entry, depth + 1, ancestors))
      } finally {
        ancestors.delete(value)
      }
    }
    if (ancestors.has(value)) return CIRCULAR
    if (depth >= maxDepth) return TRUNCATED
    ancestors.add(value)
    try {
      return copyError(value, depth, ancestors)
    } finally {
      ancestors.delete(value)
    }
  }

  return {
    redact(value) {
      return walk(value, 0, new Set())
    },
    redactObject(value, passThrough) {
      const ancestors = new Set<object>([value])
      return copyProperties(value, 0, ancestors, passThrough)
    },
    redactError(value) {
      return walkErrorLike(value, 0, new Set())
    },
    isSensitiveKey,
    scrubUrl(url) {
      return scrubUrlWith(url, isSensitiveKey)
    }
  }
}

function isErrorShaped(value: object): boolean {
  const candidate = value as { message?: unknown; stack?: unknown; type?: unknown }
  return (
    typeof candidate.message === 'string' &&
    (typeof candidate.stack === 'string' || typeof candidate.type === 'string')
  )
}

/** Own-property assignment that cannot be hijacked by a `__proto__` key. */
function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true
    })
  } else {
    target[key] = value
  }
}

const defaultRedactor = createRedactor()

/**
 * Returns a redacted deep copy of `value` (rules in `redaction-rules.ts`). Cycles become
 * `[Circular]`, binary data `[Binary]`, objects nested deeper than `maxDepth` `[Truncated]`.
 * Errors keep name/message/code/stack. With options a fresh redactor is built on every call:
 * prefer `createRedactor(options)` on hot paths.
 */
export function redactSensitive(value: unknown, options?: RedactOptions): unknown {
  return (options === undefined ? defaultRedactor : createRedactor(options)).redact(value)
}

/** Whether the default rules censor a property with this name. */
export function isSensitiveKey(key: string): boolean {
  return defaultRedactor.isSensitiveKey(key)
}

/** `scrubUrl` of the default redactor. */
export function scrubUrl(url: string): string {
  return defaultRedactor.scrubUrl(url)
}
