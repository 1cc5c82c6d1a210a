/**
 * What a CREDENTIAL_ISSUED event carries inside: the keymanager hybrid encryption of
 * `event.data.credential` and the verifiable credential it decrypts to, with the public-key
 * document its proof refers to.
 *
 * The event envelope itself (`publisher`, `topic`, `publishedOn`, `event.{id, transactionId, type,
 * timestamp, dataShareUri, data}`) is `credentialIssuedEventSchema` in `./websub.ts`, next to the
 * hub that delivers it.
 */
import { z } from 'zod'

/**
 * Keymanager hybrid format of `event.data.credential` (unpadded base64url; accept padding too):
 *
 * ```
 * keyPart  = "VER_R2" || SHA-256(partner certificate DER) (32 B)
 *            || RSA/ECB/OAEPWithSHA-256AndMGF1Padding(partner public key, 32-byte AES key)
 * dataPart = aad (32 random B) || AES-256-GCM(key, iv = aad[0..12], aad = all 32 B) ciphertext
 *            || tag (16 B)
 * decoded  = keyPart || "#KEY_SPLITTER#" || dataPart
 * ```
 *
 * The RSA block is 256 bytes for RSA-2048 and 512 for RSA-4096: split on the first splitter,
 * never on a fixed offset. The plaintext is the VC as UTF-8 JSON.
 */
export const MOSIP_CREDENTIAL_ENCRYPTION = {
  versionPrefix: 'VER_R2',
  keySplitter: '#KEY_SPLITTER#',
  thumbprintLength: 32,
  aadLength: 32,
  gcmNonceLength: 12,
  gcmTagLength: 16,
  aesKeyLength: 32
} as const

/** `credentialSubject.vcVer` and the VC proof algorithm (`JsonConstants`). */
export const MOSIP_VC_VERSION = 'VC-V1'
export const MOSIP_VC_SIGN_ALGORITHM = 'PS256'

/**
 * `LdProof`. `jws` is a detached JWS `base64url(header)..base64url(signature)` with header
 * `{"b64":false,"crit":["b64"],"alg":"PS256"}`.
 */
export const mosipVcProofSchema = z.looseObject({
  type: z.string(),
  created: z.string(),
  proofPurpose: z.string(),
  verificationMethod: z.string(),
  jws: z.string()
})
export type MosipVcProof = z.infer<typeof mosipVcProofSchema>

/**
 * `credentialSubject`: `id` is `<vercred.id.url><AID>` (take the last path segment), `vcVer` is
 * `VC-V1`, other keys are the attributes the partner policy shares (UIN, VID,
 * birthCertificateNumber, ...). Values are placed as-is: a JSON-array string stays a string. A
 * death credential has only `id` and `vcVer`.
 */
export const mosipCredentialSubjectSchema = z.looseObject({
  id: z.string(),
  vcVer: z.string().optional()
})
export type MosipCredentialSubject = z.infer<typeof mosipCredentialSubjectSchema>

/** The decrypted `vercred` credential. Lenient: real credentials vary by deployment. */
export const mosipVerifiableCredentialSchema = z.looseObject({
  '@context': z.array(z.unknown()).or(z.string()).optional(),
  type: z.array(z.string()).or(z.string()).optional(),
  id: z.string().optional(),
  issuer: z.string().optional(),
  issuanceDate: z.string().optional(),
  credentialSubject: mosipCredentialSubjectSchema,
  proof: mosipVcProofSchema.optional()
})
export type MosipVerifiableCredential = z.infer<typeof mosipVerifiableCredentialSchema>

/** The document at the proof's `verificationMethod` (`…/.well-known/public-key.json`). */
export const mosipPublicKeyDocumentSchema = z.looseObject({
  '@context': z.unknown().optional(),
  type: z.string(),
  id: z.string(),
  controller: z.string().optional(),
  publicKeyPem: z.string()
})
export type MosipPublicKeyDocument = z.infer<typeof mosipPublicKeyDocumentSchema>
