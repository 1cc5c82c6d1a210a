/**
 * Value parsers: each turns the raw string of one variable into a value, or `INVALID`, and says
 * in a phrase what a valid value looks like (the phrase appears in problem messages).
 */
import { parsePasswordHash } from '../core/admin-password.js'
import type { IdaIndividualIdType } from './config-types.js'

export const INVALID = Symbol('invalid')
export type Parsed<T> = T | typeof INVALID

export interface Format<T> {
  /** What a valid value looks like, e.g. "an integer from 1 to 65535". */
  expected: string
  parse: (raw: string) => Parsed<T>
}

export const text: Format<string> = { expected: 'a non-empty string', parse: (raw) => raw }

export const filePath: Format<string> = { expected: 'a file path', parse: (raw) => raw }

export const token: Format<string> = {
  expected: 'a value without spaces',
  parse: (raw) => (/\s/.test(raw) ? INVALID : raw)
}

export const httpUrl: Format<string> = {
  expected: 'an http(s) URL',
  parse: (raw) => {
    if (/\s/.test(raw) || !URL.canParse(raw)) return INVALID
    const { protocol } = new URL(raw)
    return protocol === 'http:' || protocol === 'https:' ? raw : INVALID
  }
}

/** Comma-separated http(s) origins (`scheme://host[:port]`, no path), normalised by URL. */
export const originList: Format<string[]> = {
  expected: 'comma-separated http(s) origins such as https://api.example.org',
  parse: (raw) => {
    const origins: string[] = []
    for (const part of raw.split(',')) {
      const item = part.trim()
      if (item === '' || /\s/.test(item) || !URL.canParse(item)) return INVALID
      const url = new URL(item)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return INVALID
      if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return INVALID
      if (url.username || url.password) return INVALID
      if (!origins.includes(url.origin)) origins.push(url.origin)
    }
    return origins
  }
}

export const postgresUrl: Format<string> = {
  expected: 'a postgres:// or postgresql:// URL',
  parse: (raw) => {
    const value = raw.trim()
    if (/\s/.test(value) || !URL.canParse(value)) return INVALID
    const { protocol } = new URL(value)
    return protocol === 'postgres:' || protocol === 'postgresql:' ? value : INVALID
  }
}

export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER): Format<number> {
  return {
    expected:
      max === Number.MAX_SAFE_INTEGER
        ? `an integer of at least ${min}`
        : `an integer from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^\d+$/.test(raw)) return INVALID
      const value = Number(raw)
      return Number.isSafeInteger(value) && value >= min && value <= max ? value : INVALID
    }
  }
}

const DURATION_UNITS_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000
}

/** A duration such as `90s`, `30m`, `2h` or `1d` (a bare number is seconds), in milliseconds. */
export const duration: Format<number> = {
  expected: 'a duration such as 90s, 30m, 2h or 1d',
  parse: (raw) => {
    const match = /^(\d+)\s*([smhd]?)$/i.exec(raw.trim())
    if (!match) return INVALID
    const ms = Number(match[1]) * DURATION_UNITS_MS[(match[2] || 's').toLowerCase()]!
    return Number.isSafeInteger(ms) ? ms : INVALID
  }
}

export function oneOf<T extends string>(choices: readonly T[], caseInsensitive = false): Format<T> {
  return {
    expected: `one of ${choices.join(', ')}`,
    parse: (raw) => {
      const value = caseInsensitive ? raw.toLowerCase() : raw
      return (choices as readonly string[]).includes(value) ? (value as T) : INVALID
    }
  }
}

/** An OpenCRVS scope to require, or `none` (any case) for no scope check. */
export const scopeOrNone: Format<string | undefined> = {
  expected: "a scope without spaces, or 'none'",
  parse: (raw) => (/\s/.test(raw) ? INVALID : raw.toLowerCase() === 'none' ? undefined : raw)
}

/** A WebSub topic to subscribe to, or `none` (any case) for no subscription. */
export const topicOrNone: Format<string | undefined> = {
  expected: "a topic without spaces, or 'none'",
  parse: (raw) => (/\s/.test(raw) ? INVALID : raw.toLowerCase() === 'none' ? undefined : raw)
}

export const individualIdType: Format<IdaIndividualIdType> = {
  expected: 'UIN, VID or auto',
  parse: (raw) => {
    const value = raw.toUpperCase()
    if (value === 'UIN' || value === 'VID') return value
    return value === 'AUTO' ? 'auto' : INVALID
  }
}

export function matching(pattern: RegExp, expected: string): Format<string> {
  return { expected, parse: (raw) => (pattern.test(raw) ? raw : INVALID) }
}

/** Like envalid's `bool`; anything unrecognised is false (UNSAFE_DEBUG_LOG must never fail). */
export const lenientBoolean: Format<boolean> = {
  expected: 'true or false',
  parse: (raw) => ['true', 't', '1', 'yes', 'y', 'on'].includes(raw.toLowerCase())
}

/** 32 bytes as standard base64 (44 characters, one `=`) or hex (64 characters). */
function decodeEncryptionKey(raw: string): Buffer | undefined {
  const value = raw.trim()
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex')
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) {
    const key = Buffer.from(value, 'base64')
    return key.length === 32 ? key : undefined
  }
  return undefined
}

export const encryptionKey: Format<Buffer> = {
  expected: '32 bytes, base64 or hex',
  parse: (raw) => decodeEncryptionKey(raw) ?? INVALID
}

export const encryptionKeyList: Format<Buffer[]> = {
  expected: 'a comma-separated list of keys of 32 bytes, base64 or hex',
  parse: (raw) => {
    const keys: Buffer[] = []
    for (const part of raw.split(',')) {
      if (part.trim() === '') continue
      const key = decodeEncryptionKey(part)
      if (key === undefined) return INVALID
      keys.push(key)
    }
    return keys
  }
}

/** Comma-separated secrets without spaces (a secret holding a comma cannot be listed). */
export const secretList: Format<string[]> = {
  expected: 'a comma-separated list of secrets without spaces',
  parse: (raw) => {
    const secrets = raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
    return secrets.some((part) => /\s/.test(part)) ? INVALID : secrets
  }
}

export function pathSegment(): Format<string> {
  return matching(/^[^\s/?#]+$/, "a single URL path segment without spaces, '/', '?' or '#'")
}

/** Comma-separated MOSIP language codes (three lower-case letters), no repeats, at least one. */
export const languageList: Format<string[]> = {
  expected: 'comma-separated language codes such as eng,ara',
  parse: (raw) => {
    const codes = raw
      .split(',')
      .map((code) => code.trim().toLowerCase())
      .filter((code) => code !== '')
    if (codes.length === 0 || codes.some((code) => !/^[a-z]{3}$/.test(code))) return INVALID
    return new Set(codes).size === codes.length ? codes : INVALID
  }
}

/**
 * A table of names: `KEY=value,KEY=value` or a JSON object of strings. Keys are upper-cased (they
 * are codes); both sides must match `pattern`.
 */
export function nameTable(pattern: RegExp, expected: string): Format<Record<string, string>> {
  return {
    expected,
    parse: (raw) => {
      const text = raw.trim()
      let pairs: Array<[string, unknown]>
      if (text.startsWith('{')) {
        try {
          const parsed: unknown = JSON.parse(text)
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return INVALID
          pairs = Object.entries(parsed)
        } catch {
          return INVALID
        }
      } else {
        pairs = []
        for (const part of text.split(',')) {
          if (part.trim() === '') continue
          const [key, value, ...rest] = part.split('=')
          if (key === undefined || value === undefined || rest.length > 0) return INVALID
          pairs.push([key.trim(), value.trim()])
        }
      }
      const table: Record<string, string> = {}
      for (const [key, value] of pairs) {
        if (typeof value !== 'string' || !pattern.test(key) || !pattern.test(value)) return INVALID
        table[key.toUpperCase()] = value
      }
      return Object.keys(table).length > 0 ? table : INVALID
    }
  }
}

/** `ADMIN_PASSWORD_HASH`, as `mosip-bridge admin hash-password` prints it. */
export const adminPasswordHash: Format<string> = {
  expected: 'scrypt$N$r$p$salt$hash, as printed by `mosip-bridge admin hash-password`',
  parse: (raw) => (parsePasswordHash(raw.trim()) ? raw.trim() : INVALID)
}
