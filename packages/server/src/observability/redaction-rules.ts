/**
 * What redaction censors: sensitive property names, sensitive URL parameters and token-shaped
 * substrings. The walker in `redact.ts` applies these rules to whole values.
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

/** Normalised key names that are always sensitive. Extend per redactor via `extraSensitiveKeys`. */
const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
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
const SENSITIVE_KEY_SUFFIXES: readonly string[] = [
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
const SENSITIVE_KEY_PREFIXES: readonly string[] = [
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
const NON_SENSITIVE_KEYS: ReadonlySet<string> = new Set([
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
const SENSITIVE_QUERY_PARAMS: ReadonlySet<string> = new Set([
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
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '')
}

const KEY_CACHE_LIMIT = 10_000

/**
 * Whether a property with this (raw, unnormalised) name is censored, by the rules above plus
 * `extraSensitiveKeys` (exact match after normalisation). Answers are cached per raw name.
 */
export function createKeyClassifier(
  extraSensitiveKeys: Iterable<string> = []
): (key: string) => boolean {
  const exact = new Set(SENSITIVE_KEYS)
  for (const key of extraSensitiveKeys) exact.add(normalizeKey(key))
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

  return isSensitiveKey
}

/**
 * Censors the values of sensitive query and fragment parameters of a URL (by name, or by
 * `isSensitiveKey`), then token-shaped substrings anywhere in it.
 */
export function scrubUrlWith(url: string, isSensitiveKey: (key: string) => boolean): string {
  const query = url.indexOf('?')
  const hash = url.indexOf('#')
  if (query === -1 && hash === -1) return scrubString(url)
  const pathEnd = query === -1 ? hash : hash === -1 ? query : Math.min(query, hash)
  let out = url.slice(0, pathEnd)
  if (query !== -1 && (hash === -1 || query < hash)) {
    out += '?' + scrubParams(url.slice(query + 1, hash === -1 ? undefined : hash), isSensitiveKey)
  }
  if (hash !== -1) out += '#' + scrubParams(url.slice(hash + 1), isSensitiveKey)
  return scrubString(out)
}

function scrubParams(params: string, isSensitiveKey: (key: string) => boolean): string {
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

/**
 * A `code` property that holds one of the failure codes the bridge and its partners use
 * (`CREDENTIAL_WRONG_RECIPIENT`, `RPR-RGS-031`, `IDA-DEA-001`, an HTTP status): upper-case words
 * joined by `_` or `-`, or a number. Those stay readable in logs; any other `code` (an OAuth
 * authorization code is a random mixed-case string) is still censored.
 */
export function isFailureCode(key: string, value: unknown): boolean {
  if (key !== 'code') return false
  if (typeof value === 'number') return Number.isFinite(value)
  return typeof value === 'string' && value.length <= 64 && FAILURE_CODE.test(value)
}

const FAILURE_CODE = /^[A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)*$/
