/**
 * The bridge's view of its partner systems. Workflows in core/workflows depend only on these
 * interfaces; integrations/ implements them over HTTP.
 */
import type { MosipPacketDocument } from '@mosip-bridge/contracts'
import type { Outcome } from './outcome.js'
import type { EventDocumentLike, PendingAction } from './pending-action.js'

// ---------------------------------------------------------------- MOSIP packets

export type MosipProcess = 'CRVS_NEW' | 'CRVS_DEATH' | 'CRVS_UPDATE'

/** The `request` of a createPacket call (RequestWrapper<PacketDto>), before the envelope. */
export interface PacketRequest {
  /** Registration id (our transaction id, or a UUID for updates). */
  id: string
  process: MosipProcess
  /** MOSIP `fields`: every value a string (multi-language values as JSON text). */
  fields: Record<string, string>
  metaInfo: Record<string, string>
  audits: Array<Record<string, string>>
  /** ID schema JSON text; the configured default when the payload has none. */
  schemaJson?: string
  /** Documents by ID-schema field (MOSIP's `Map<String, Document>`). */
  documents?: Record<string, MosipPacketDocument>
}

export interface NotificationInfo {
  name: string
  phone: string
  email: string
}

export interface MosipPacketGateway {
  /** createPacket; ok carries the packet names MOSIP reports. */
  createPacket(request: PacketRequest): Promise<Outcome<{ packetNames: string[] }>>
  /** workflowinstance; `alreadyStarted` when MOSIP answered RPR-WIS-001. */
  startWorkflow(request: {
    registrationId: string
    process: MosipProcess
    notification: NotificationInfo
  }): Promise<Outcome<{ alreadyStarted: boolean; workflowInstanceId?: string }>>
}

// ---------------------------------------------------------------- MOSIP registration status

/**
 * What MOSIP's external status search says about one registration id: its external status
 * (`PROCESSING`, `UIN_GENERATED`, `REJECTED`, … or a code newer than ours, kept as sent), that
 * MOSIP does not know the id (`RPR-RGS-031`), or another error about that id alone.
 */
export type MosipStatusResult =
  | { registrationId: string; status: string }
  | { registrationId: string; unknown: true }
  | { registrationId: string; error: { code: string; message: string } }

export interface MosipStatusGateway {
  /**
   * One result per distinct id, in the order asked. A failure of the call itself (MOSIP
   * unreachable, token refused twice, request refused) is the outcome instead.
   */
  statusOf(registrationIds: readonly string[]): Promise<Outcome<MosipStatusResult[]>>
}

/** MOSIP's ID repository: the status of an identity. */
export interface MosipIdentityGateway {
  /**
   * Sets the identity of `uin` to DEACTIVATED (`registrationId`: the death registration MOSIP
   * processed). An identity already deactivated counts as done; an unknown UIN is permanent.
   */
  deactivate(input: { uin: string; registrationId: string }): Promise<Outcome<void>>
}

// ---------------------------------------------------------------- MOSIP credentials

/** A decrypted, leniently parsed verifiable credential. */
export interface IssuedCredential {
  /** Last path segment of credentialSubject.id (our registration id), if any. */
  subjectRegistrationId: string | undefined
  /** All credentialSubject claims, values as found. */
  subject: Record<string, unknown>
}

export interface CredentialDecryptor {
  /** Decrypts MOSIP's hybrid format and parses the VC; permanent on any malformed input. */
  decrypt(credential: string): Promise<Outcome<IssuedCredential>>
}

// ---------------------------------------------------------------- OpenCRVS

export type { PendingAction } from './pending-action.js'

/** The token to call OpenCRVS with for one registration (strategy chosen by configuration). */
export interface OpencrvsTokenSource {
  tokenFor(context: {
    eventId: string
    actionId: string | null
    storedToken: string | undefined
  }): Promise<Outcome<string>>
}

export interface OpencrvsEvents {
  /** `event.get`: the EventDocument with its actions. */
  getEvent(token: string, eventId: string): Promise<Outcome<EventDocumentLike>>
  /** `event.get` and the one pending action (Requested, not yet accepted or rejected). */
  pendingAction(token: string, eventId: string): Promise<Outcome<PendingAction | null>>
  acceptRegistration(
    token: string,
    input: {
      eventId: string
      actionId: string
      transactionId: string
      registrationNumber: string
      /** Field id → value; only keys with a value (never undefined). */
      declaration: Record<string, string>
    }
  ): Promise<Outcome<void>>
  approveCorrection(
    token: string,
    input: {
      eventId: string
      actionId: string
      transactionId: string
      requestId: string
      declaration: Record<string, string>
    }
  ): Promise<Outcome<void>>
  rejectRegistration(
    token: string,
    input: { eventId: string; actionId: string; transactionId: string }
  ): Promise<Outcome<void>>
}

// ---------------------------------------------------------------- MOSIP data share

export interface DataShareGateway {
  /** Origins a data share URI may point at (MOSIP_DATASHARE_ALLOWED_ORIGINS). */
  readonly allowedOrigins: readonly string[]
  /** GET of an allowed data share URI: the credential text it holds. */
  fetch(url: URL, signal?: AbortSignal): Promise<Outcome<string>>
}
