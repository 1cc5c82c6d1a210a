export {
  NON_SENSITIVE_KEYS,
  REDACTED,
  SENSITIVE_KEYS,
  SENSITIVE_KEY_PREFIXES,
  SENSITIVE_KEY_SUFFIXES,
  SENSITIVE_QUERY_PARAMS,
  normalizeKey,
  scrubString
} from './redaction-rules.js'
export {
  BINARY,
  CIRCULAR,
  DEFAULT_MAX_DEPTH,
  TRUNCATED,
  createRedactor,
  isSensitiveKey,
  redactSensitive,
  scrubUrl
} from './redact.js'
export type { RedactOptions, Redactor } from './redact.js'
export { childForJob, childForRequest, createLogger } from './logger.js'
export type { CreateLoggerOptions, JobLogContext, Logger } from './logger.js'
