/**
 * Documents of a payload (OpenCRVS document type, format, base64 content) turned into the
 * packet's `documents`: MOSIP's `Map<String, Document>` keyed by the ID-schema field of the
 * document's category (`proofOfDateOfBirth` for `POB`, ...), each `{document, value, type, format,
 * refNumber}` with the file as standard base64 (Jackson's `byte[]`). The packet manager then
 * points the identity's field at the file (`{value, type, format, refNumber}`).
 *
 * Documents are personal data: no message here quotes their content.
 */
import type { IntakeDocument, MosipPacketDocument } from '@mosip-bridge/contracts'

export interface DocumentPolicy {
  /** Largest decoded document, in bytes. */
  maxBytes: number
  /** Most documents in one payload. */
  maxCount: number
  /** OpenCRVS document type (upper case) → MOSIP category (upper case). */
  categoryOfType: Readonly<Record<string, string>>
  /** MOSIP category (upper case) → ID-schema field of the packet. */
  fieldOfCategory: Readonly<Record<string, string>>
}

/** From OpenCRVS's document types (the forms' options) to MOSIP's document categories. */
export const DEFAULT_DOCUMENT_CATEGORIES: Readonly<Record<string, string>> = {
  NOTIFICATION_OF_BIRTH: 'POB',
  BIRTH_CERTIFICATE: 'POB',
  PROOF_OF_BIRTH: 'POB',
  NATIONAL_ID: 'POI',
  PASSPORT: 'POI',
  PROOF_OF_IDENTITY: 'POI',
  PROOF_OF_ADDRESS: 'POA',
  UTILITY_BILL: 'POA',
  PROOF_OF_LEGAL_GUARDIANSHIP: 'POR',
  PROOF_OF_ASSIGNED_RESPONSIBILITY: 'POR',
  PROOF_OF_RELATIONSHIP: 'POR',
  PROOF_OF_EXCEPTION: 'POE'
}

/** MOSIP's document categories and the fields of its ID schemas that hold them. */
export const DEFAULT_DOCUMENT_FIELDS: Readonly<Record<string, string>> = {
  POA: 'proofOfAddress',
  POI: 'proofOfIdentity',
  POR: 'proofOfRelationship',
  POB: 'proofOfDateOfBirth',
  POE: 'proofOfException'
}

export type DocumentsResult =
  | { ok: true; documents: Record<string, MosipPacketDocument> }
  | { ok: false; status: 400 | 413; message: string }

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/

function mebibytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`
    : `${bytes} bytes`
}

/** Decoded size of base64 text without decoding it. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0
  return Math.floor((base64.length * 3) / 4) - padding
}

/**
 * Checks and maps a payload's documents. A document that is too large is a 413, any other
 * problem (too many, not base64, a type without a category, two documents for one field) a 400;
 * each message names the document by its index and the setting involved.
 */
export function mapDocuments(
  documents: readonly IntakeDocument[] | undefined,
  policy: DocumentPolicy
): DocumentsResult {
  if (documents === undefined || documents.length === 0) return { ok: true, documents: {} }
  if (documents.length > policy.maxCount) {
    return {
      ok: false,
      status: 400,
      message: `documents: ${documents.length} documents, at most ${policy.maxCount} are accepted (MOSIP_DOCUMENT_MAX_COUNT)`
    }
  }
  const mapped: Record<string, MosipPacketDocument> = {}
  for (const [index, document] of documents.entries()) {
    const at = `documents[${index}]`
    const content = document.content
    if (!BASE64.test(content) || content.length % 4 === 1) {
      return { ok: false, status: 400, message: `${at}.content: not base64` }
    }
    const size = decodedLength(content)
    if (size > policy.maxBytes) {
      return {
        ok: false,
        status: 413,
        message: `${at}: ${mebibytes(size)} is more than the ${mebibytes(policy.maxBytes)} a document may have (MOSIP_DOCUMENT_MAX_BYTES)`
      }
    }
    const type = document.type.trim()
    const category = (document.category ?? policy.categoryOfType[type.toUpperCase()])?.toUpperCase()
    if (category === undefined) {
      return {
        ok: false,
        status: 400,
        message: `${at}.type: ${JSON.stringify(type)} has no MOSIP document category (MOSIP_DOCUMENT_CATEGORIES); give its category`
      }
    }
    const field = policy.fieldOfCategory[category]
    if (field === undefined) {
      return {
        ok: false,
        status: 400,
        message: `${at}: MOSIP document category ${JSON.stringify(category)} has no ID-schema field (MOSIP_DOCUMENT_FIELDS)`
      }
    }
    if (field in mapped) {
      return {
        ok: false,
        status: 400,
        message: `${at}: a second document for ${field} (category ${category}); a packet holds one document per category`
      }
    }
    const bytes = Buffer.from(content, 'base64')
    if (bytes.length === 0) {
      return { ok: false, status: 400, message: `${at}.content: the file is empty` }
    }
    mapped[field] = {
      document: bytes.toString('base64'),
      value: field,
      type,
      format: document.format.toLowerCase(),
      refNumber: document.refNumber ?? null
    }
  }
  return { ok: true, documents: mapped }
}
