/**
 * Key-based deep redaction for anything that may end up in a log line.
 *
 * pino's own `redact` option only understands fixed paths, so a token or a person's name nested
 * at an arbitrary depth (a MOSIP response inside an error inside a job payload...) slips through.
 * This module walks values instead and censors every property whose key looks sensitive, plus
 * JWT / `Bearer` / OAuth query-parameter shaped substrings of any string value.
 *
 * Matching works on a normalised key: lower-cased with `-` and `_` removed, so `Set-Cookie`,
 * `set_cookie` and `setCookie` are all `setcookie`. A key is sensitive when its normalised form
 *   - is in `SENSITIVE_KEYS` (exact), or
 *   - is not in `NON_SENSITIVE_KEYS` and ends with one of `SENSITIVE_KEY_SUFFIXES`
 *     (`mosipAuthToken`, `x-api-key`, `motherFirstName`...) or starts with one of
 *     `SENSITIVE_KEY_PREFIXES` (`decryptedVc`, `informantPhone`...), or
 *   - contains dots and one of its dot-separated segments is sensitive (`mother.nid`).
 * `key` and `code` are deliberately exact-only: `keyId` and `statusCode` stay readable.
 */

/** Replaces every censored value. */
export const REDACTED = '[REDACTED]'
/** Replaces a reference back to an object that is being copied (a cycle). */
export const CIRCULAR = '[Circular]'
/** Replaces Buffers, typed arrays and ArrayBuffers: raw bytes are never logged. */
export const BINARY = '[Binary]'
/** Replaces objects nested deeper than the depth limit. */
export const TRUNCATED = '[Truncated]'
/** Objects deeper than this (the value passed in is depth 0) are replaced by `TRUNCATED`. */
export const DEFAULT_MAX_DEPTH = 10

/** Normalised key names that are always sensitive. Extend per redactor via `extraSensitiveKeys`. */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  // transport secrets
  'authorization',
  'proxyauthorization',
  'auth',
  'cookie',
  'cookies',
  'setcookie',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'idtokenhint',
  'jwt',
  'jwk',
  'bearer',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'clientsecret',
  'hubsecret',
  'apikey',
  'licensekey',
  'misplk',
  'privatekey',
  'encryptionkey',
  'key',
  'clientassertion',
  'code',
  'authcode',
  'authorizationcode',
  'otp',
  'pin',
  'sessionid',
  'rawheaders',
  // credentials and bodies that may carry personal data
  'credential',
  'credentials',
  'credentialsubject',
  'vc',
  'decrypted',
  'payload',
  'body',
  'requestbody',
  'responsebody',
  'fields',
  'declaration',
  'annotation',
  'demographics',
  // personal data
  'name',
  'names',
  'firstname',
  'firstnames',
  'lastname',
  'familyname',
  'surname',
  'givenname',
  'middlename',
  'fullname',
  'dob',
  'dateofbirth',
  'birthdate',
  'placeofbirth',
  'birthplace',
  'gender',
  'sex',
  'nid',
  'nin',
  'ssn',
  'uin',
  'vid',
  'nationalid',
  'nationalidnumber',
  'individualid',
  'idnumber',
  'documentnumber',
  'passportnumber',
  'phone',
  'phonenumber',
  'mobile',
  'mobilenumber',
  'email',
  'address',
  'informant',
  'mother',
  'father',
  'child',
  'deceased',
  'spouse',
  'biometrics',
  'fingerprint',
  'fingerprints',
  'iris',
  'photo',
  'face',
  'signature'
])

/** A normalised key ending with one of these is sensitive (unless listed in NON_SENSITIVE_KEYS). */
export const SENSITIVE_KEY_SUFFIXES: readonly string[] = [
  'token',
  'tokens',
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'secretkey',
  'apikey',
  'privatekey',
  'privatejwk',
  'licensekey',
  'encryptionkey',
  'signingkey',
  'hmackey',
  'cookie',
  'cookies',
  'authorization',
  'credential',
  'credentials',
  'assertion',
  'jwt',
  'bearer',
  'payload',
  'body',
  'demographics',
  'name',
  'firstnames',
  'surname',
  'dob',
  'dateofbirth',
  'birthdate',
  'phone',
  'phonenumber',
  'mobilenumber',
  'email',
  'homeaddress',
  'postaladdress',
  'residentialaddress',
  'streetaddress',
  'nationalid',
  'individualid',
  'biometrics',
  'fingerprints',
  'photo',
  'signature'
]

/** A normalised key starting with one of these is sensitive (unless listed in NON_SENSITIVE_KEYS). */
export const SENSITIVE_KEY_PREFIXES: readonly string[] = [
  'decrypted',
  'mother',
  'father',
  'informant',
  'deceased',
  'spouse',
  'child'
]

/**
 * Technical names that a suffix or prefix rule would otherwise catch (`hostname` ends with
 * `name`). Exact entries of SENSITIVE_KEYS / extraSensitiveKeys still win over this list.
 */
export const NON_SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  'hostname',
  'servicename',
  'taskname',
  'queuename',
  'jobname',
  'eventname',
  'filename',
  'pathname',
  'typename',
  'tablename',
  'columnname',
  'schemaname',
  'indexname',
  'keyname',
  'fieldname',
  'methodname',
  'functionname',
  'modulename',
  'packagename',
  'appname',
  'applicationname',
  'clientname',
  'loggername',
  'metricname',
  'servername',
  'dbname',
  'databasename',
  'bucketname',
  'topicname',
  'routename',
  'actionname',
  'statename',
  'stepname',
  'handlername',
  'tokentype',
  'tokenendpoint'
])

/** Query (and fragment) parameters whose values are censored in URLs, compared lower-cased. */
export const SENSITIVE_QUERY_PARAMS: ReadonlySet<string> = new Set([
  'code',
  'state',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'id_token_hint',
  'client_secret',
  'client_assertion',
  'password',
  'apikey',
  'api_key'
])

const JWT_PATTERN = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2,4}/g
const BEARER_HINT = /bearer\s/i
const BEARER_PATTERN = /\bbearer\s+[A-Za-z0-9\-._~+/]+=*/gi
const QUERY_PARAM_PATTERN =
  /([?&#;](?:code|state|token|access_token|refresh_token|id_token|id_token_hint|client_secret|client_assertion|password|api_?key)=)[^&#\s"'<>\\]*/gi

/**
 * Censors token-shaped substrings of a string: JWTs / JWEs (`eyJ...`), `Bearer <token>` and the
 * values of OAuth-ish query parameters (`?code=`, `&access_token=`...). Everything else is kept.
 */
export function scrubString(value: string): string {
  if (value.length < 8) return value
  let out = value
  if (BEARER_HINT.test(out)) out = out.replace(BEARER_PATTERN, REDACTED)
  if (out.includes('eyJ')) out = out.replace(JWT_PATTERN, REDACTED)
  if (out.includes('=')) out = out.replace(QUERY_PARAM_PATTERN, `$1${REDACTED}`)
  return out
}

/** `Set-Cookie` -> `setcookie`, `access_token` -> `accesstoken`. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '')
}

export interface RedactOptions {
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
const KEY_CACHE_LIMIT = 10_000

export function createRedactor(options: RedactOptions = {}): Redactor {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const exact = new Set(SENSITIVE_KEYS)
  for (const key of options.extraSensitiveKeys ?? []) exact.add(normalizeKey(key))
  const cache = new Map<string, boolean>()

  function classifyNormalized(normalized: string): boolean {
    if (exact.has(normalized)) return true
    if (NON_SENSITIVE_KEYS.has(normalized)) return false
    for (const suffix of SENSITIVE_KEY_SUFFIXES) if (normalized.endsWith(suffix)) return true
    for (const prefix of SENSITIVE_KEY_PREFIXES) if (normalized.startsWith(prefix)) return true
    return false
  }

  function isSensitiveKey(key: string): boolean {
    const cached = cache.get(key)
    if (cached !== undefined) return cached
    const normalized = normalizeKey(key)
    let sensitive = classifyNormalized(normalized)
    if (!sensitive && normalized.includes('.')) {
      sensitive = normalized
        .split('.')
        .some((segment) => segment !== '' && classifyNormalized(segment))
    }
    if (cache.size >= KEY_CACHE_LIMIT) cache.clear()
    cache.set(key, sensitive)
    return sensitive
  }

  function walk(value: unknown, depth: number, ancestors: Set<object>): unknown {
    if (typeof value === 'string') return scrubString(value)
    if (value === null || typeof value !== 'object') return value
    return walkObject(value, depth, ancestors)
  }

  function walkProperty(key: string, value: unknown, depth: number, ancestors: Set<object>) {
    if (value === undefined || value === null) return value
    if (isSensitiveKey(key)) return REDACTED
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

  function scrubParams(params: string): string {
    return params
      .split('&')
      .map((part) => {
        const eq = part.indexOf('=')
        if (eq <= 0) return part
        const rawName = part.slice(0, eq)
        let name = rawName
        try {
          name = decodeURIComponent(rawName.replace(/\+/g, ' '))
        } catch {
          // keep the raw name
        }
        const sensitive = SENSITIVE_QUERY_PARAMS.has(name.toLowerCase()) || isSensitiveKey(name)
        return sensitive ? `${rawName}=${REDACTED}` : part
      })
      .join('&')
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
      const query = url.indexOf('?')
      const hash = url.indexOf('#')
      if (query === -1 && hash === -1) return scrubString(url)
      const pathEnd = query === -1 ? hash : hash === -1 ? query : Math.min(query, hash)
      let out = url.slice(0, pathEnd)
      if (query !== -1 && (hash === -1 || query < hash)) {
        out += '?' + scrubParams(url.slice(query + 1, hash === -1 ? undefined : hash))
      }
      if (hash !== -1) out += '#' + scrubParams(url.slice(hash + 1))
      return scrubString(out)
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
 * Returns a redacted deep copy of `value` (see the module comment for the rules). Cycles become
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
