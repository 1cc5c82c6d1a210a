/**
 * Guard against `undefined` in tRPC inputs. superjson sends an undefined value as `null` plus an
 * annotation, and superjson 1.9 (what OpenCRVS runs) misreads annotations under dotted keys such
 * as `child.nid`: the server then sees `"child.nid": null`, which OpenCRVS takes as "clear this
 * field". Inputs must omit absent values instead; this finds the ones that do not.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}

/** The path (`declaration["child.nid"]`) of the first undefined value in `value`, if any. */
export function findUndefinedPath(value: unknown, path = 'input'): string | undefined {
  if (value === undefined) return path
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUndefinedPath(item, `${path}[${index}]`)
      if (found) return found
    }
    return undefined
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const found = findUndefinedPath(value[key], `${path}[${JSON.stringify(key)}]`)
      if (found) return found
    }
  }
  return undefined
}

/** A copy of `value` with undefined object entries and array items left out. */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) {
    return value
      .filter((item) => item !== undefined)
      .map((item) => withoutUndefined(item) as unknown) as T
  }
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) copy[key] = withoutUndefined(item)
    }
    return copy as T
  }
  return value
}

export class UndefinedInputError extends Error {
  readonly code = 'OPENCRVS_UNDEFINED_INPUT'
  constructor(
    readonly procedure: string,
    readonly path: string
  ) {
    super(`${procedure}: ${path} is undefined; omit the key instead of sending undefined`)
    this.name = 'UndefinedInputError'
  }
}

/** Copies the entries of `record` whose value is a string (drops undefined and anything else). */
export function definedStrings(
  record: Readonly<Record<string, string | undefined>>
): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string') result[key] = value
  }
  return result
}
