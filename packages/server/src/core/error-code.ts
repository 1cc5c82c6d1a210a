/**
 * The `code` of a thrown error when it has a string one: Node's system errors (`ENOENT`),
 * database drivers (`23505`, `SQLITE_BUSY`) and the bridge's own typed errors all carry one.
 * Undefined for anything else, including values that are not errors at all.
 */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}
