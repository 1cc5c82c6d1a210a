import { createHash } from 'node:crypto'
import type {
  MosipCorrectionPayload,
  MosipInteropPayload,
  MosipPacketDocument
} from '@mosip-bridge/contracts'
import { mapDocuments, type DocumentPolicy } from './packet-documents.js'
import { ensureStringFields } from './packet-envelope.js'
import type { MosipProcess, NotificationInfo } from './ports.js'

export type RegistrationKind = 'birth' | 'death' | 'update'

/** What the intake token tells us about the OpenCRVS record. */
interface IntakeIdentity {
  eventId?: string
  actionId?: string
}

/** The part of a request kept (sealed) until the packet is in MOSIP. */
export interface StoredPacketInput {
  process: MosipProcess
  fields: Record<string, string>
  metaInfo: Record<string, string>
  audits: Array<Record<string, string>>
  schemaJson?: string
  notification: NotificationInfo
  /** The packet's documents by ID-schema field (personal data: sealed like the rest). */
  documents?: Record<string, MosipPacketDocument>
}

export interface IntakePlan {
  kind: RegistrationKind
  trackingId: string
  /** The OpenCRVS registration number (the certificate number); null for updates. */
  registrationNumber: string | null
  idempotencyKey: string
  packet: StoredPacketInput
}

export type PlanResult =
  { ok: true; plan: IntakePlan } | { ok: false; status: 400 | 413; message: string }

const PROCESS: Record<RegistrationKind, MosipProcess> = {
  birth: 'CRVS_NEW',
  death: 'CRVS_DEATH',
  update: 'CRVS_UPDATE'
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== ''
}

function notificationOf(payload: MosipInteropPayload | MosipCorrectionPayload): NotificationInfo {
  return {
    name: payload.notification.recipientFullName,
    phone: payload.notification.recipientPhone ?? '',
    email: payload.notification.recipientEmail ?? ''
  }
}

function packetOf(
  kind: RegistrationKind,
  payload: MosipInteropPayload | MosipCorrectionPayload,
  fields: Record<string, unknown>,
  documents: Record<string, MosipPacketDocument>
): StoredPacketInput {
  return {
    process: PROCESS[kind],
    fields: ensureStringFields(fields),
    metaInfo: ensureStringFields(payload.metaInfo),
    audits: [ensureStringFields(payload.audit)],
    ...(payload.schemaJson !== undefined ? { schemaJson: payload.schemaJson } : {}),
    notification: notificationOf(payload),
    ...(Object.keys(documents).length > 0 ? { documents } : {})
  }
}

/**
 * Same record, same key: the action an intake token is bound to when it says (one packet per
 * OpenCRVS action and kind of request), otherwise the tracking id and certificate number.
 */
function idempotencyKey(
  kind: RegistrationKind,
  identity: IntakeIdentity,
  fallback: string
): string {
  if (identity.eventId && identity.actionId) {
    // An update sent with the token of a registration is its own request, never merged into
    // that registration (births and deaths keep the key they always had).
    return kind === 'update'
      ? `update:action:${identity.eventId}:${identity.actionId}`
      : `action:${identity.eventId}:${identity.actionId}`
  }
  return `${kind}:${fallback}`
}

/** `POST /events/registration`: a birth or a death, decided by which certificate number is set. */
export function planRegistration(
  payload: MosipInteropPayload,
  identity: IntakeIdentity,
  documentPolicy: DocumentPolicy
): PlanResult {
  const fields = payload.requestFields
  const birth = fields.birthCertificateNumber
  const death = fields.deathCertificateNumber
  if (nonEmptyString(birth) && nonEmptyString(death)) {
    return {
      ok: false,
      status: 400,
      message:
        'requestFields: set birthCertificateNumber (birth) or deathCertificateNumber (death), not both'
    }
  }
  const documents = mapDocuments(payload.documents, documentPolicy)
  if (!documents.ok) return documents
  if (nonEmptyString(birth)) {
    return {
      ok: true,
      plan: {
        kind: 'birth',
        trackingId: payload.trackingId,
        registrationNumber: birth,
        idempotencyKey: idempotencyKey('birth', identity, `${payload.trackingId}:${birth}`),
        packet: packetOf('birth', payload, fields, documents.documents)
      }
    }
  }
  if (nonEmptyString(death)) {
    // The death certificate number is ours to keep, not an identity field for MOSIP.
    const { deathCertificateNumber: _omitted, ...deathFields } = fields
    return {
      ok: true,
      plan: {
        kind: 'death',
        trackingId: payload.trackingId,
        registrationNumber: death,
        idempotencyKey: idempotencyKey('death', identity, `${payload.trackingId}:${death}`),
        packet: packetOf('death', payload, deathFields, documents.documents)
      }
    }
  }
  return {
    ok: false,
    status: 400,
    message:
      'requestFields: birthCertificateNumber (birth) or deathCertificateNumber (death) is required'
  }
}

/** `POST /events/update-biographics`: a CRVS_UPDATE packet. */
export function planUpdate(
  payload: MosipCorrectionPayload,
  identity: IntakeIdentity,
  documentPolicy: DocumentPolicy
): PlanResult {
  const documents = mapDocuments(payload.documents, documentPolicy)
  if (!documents.ok) return documents
  const packet = packetOf('update', payload, payload.requestFields, documents.documents)
  const digest = createHash('sha256')
    .update(JSON.stringify([payload.trackingId, packet.fields]))
    .digest('hex')
    .slice(0, 32)
  return {
    ok: true,
    plan: {
      kind: 'update',
      trackingId: payload.trackingId,
      registrationNumber: null,
      idempotencyKey: idempotencyKey('update', identity, digest),
      packet
    }
  }
}
