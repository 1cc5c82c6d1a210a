export {
  BINARY,
  CIRCULAR,
  DEFAULT_MAX_DEPTH,
  NON_SENSITIVE_KEYS,
  REDACTED,
  SENSITIVE_KEYS,
  SENSITIVE_KEY_PREFIXES,
  SENSITIVE_KEY_SUFFIXES,
  SENSITIVE_QUERY_PARAMS,
  TRUNCATED,
  createRedactor,
  isSensitiveKey,
  normalizeKey,
  redactSensitive,
  scrubString,
  scrubUrl
} from './redact.js'
export type { RedactOptions, Redactor } from './redact.js'
export { childForJob, childForRequest, createLogger } from './logger.js'
export type { CreateLoggerOptions, JobLogContext, Logger } from './logger.js'
