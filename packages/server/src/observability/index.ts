export { REDACTED, scrubString } from './redaction-rules.js'
export {
  BINARY,
  CIRCULAR,
  TRUNCATED,
  createRedactor,
  isSensitiveKey,
  redactSensitive,
  scrubUrl
} from './redact.js'

export { childForJob, childForRequest, createLogger } from './logger.js'
export type { Logger } from './logger.js'
