/**
 * `@mosip-bridge/client`: what an OpenCRVS country configuration installs to send records to
 * MOSIP through the bridge — the bridge's client, eligibility rules, EventDocument → MOSIP
 * payload builders and framework-independent action-trigger handlers.
 */
export {
  createMosipInteropClient,
  bridgeMessageOf,
  type MosipInteropClient,
  type MosipInteropClientOptions,
  type MosipInteropPayload,
  type MosipCorrectionPayload,
  type RegistrationEventResponse,
  type RetryNotice,
  type VerifyNidPayload,
  type VerifyNidResponse
} from './interop-client.js'
export {
  MosipInteropError,
  MosipInteropHttpError,
  MosipInteropNetworkError,
  MosipInteropPayloadError,
  MosipInteropResponseError,
  type MosipInteropErrorCode,
  type MosipInteropOperation
} from './interop-errors.js'
export { endpointUrl } from './endpoint-url.js'
export {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  retryAfterMs,
  retryDelayMs,
  type RetryPolicy
} from './retry-policy.js'
export {
  birthEligibility,
  deathEligibility,
  shouldForwardBirthRegistrationToMosip,
  shouldForwardDeathRegistrationToMosip,
  DEFAULT_ACCEPTED_STATUSES,
  DEFAULT_MAX_CHILD_AGE_YEARS,
  type BirthEligibilityOptions,
  type DeathEligibilityOptions,
  type EligibilityResult
} from './eligibility.js'
export {
  aggregateActionDeclarations,
  confirmationOf,
  correctionRequestDeclaration,
  declarationWithPendingAction,
  deepMerge,
  findPendingAction,
  pendingActions,
  registrationNumberOf,
  type PendingDeclaration
} from './event-document.js'
export {
  birthInformantSection,
  deathInformantSection,
  fullNameOf,
  parseDateValue,
  readAddress,
  readDate,
  readName,
  readPsut,
  readText,
  readVerificationStatus,
  type AddressValue,
  type CalendarDate,
  type PersonName,
  type VerificationStatus
} from './declaration-fields.js'
export {
  isPerLanguageText,
  languageValue,
  mosipDate,
  mosipGender,
  withoutUndefined,
  type LanguageValue
} from './mosip-values.js'
export {
  mosipAddressFields,
  referenceAdministrativeAreas,
  type AdministrativeAreaNames,
  type AdministrativeAreaResolver
} from './address-fields.js'
export {
  buildBirthRegistrationPayload,
  buildCorrectionPayload,
  buildDeathRegistrationPayload,
  auditOf,
  defaultBirthFields,
  defaultCorrectionFields,
  defaultDeathFields,
  metaInfoOf,
  notificationOf,
  PayloadBuildError,
  DEFAULT_LANGUAGE,
  type FieldMapping,
  type MappedFieldValue,
  type PayloadBuilderOptions,
  type PayloadDocuments,
  type PayloadContext,
  type PayloadKind
} from './payload-builders.js'
export {
  generateRegistrationNumber,
  type RegistrationNumberGenerator
} from './registration-number.js'
export {
  bearerHeader,
  createTriggerHandlers,
  type BirthEligibilityRule,
  type DeathEligibilityRule,
  type TriggerDecision,
  type TriggerHandler,
  type TriggerHandlerName,
  type TriggerHandlerOptions,
  type TriggerHandlers,
  type TriggerOutcome,
  type TriggerResponse
} from './trigger-handlers.js'
