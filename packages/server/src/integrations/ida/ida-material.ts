/**
 * The keys of IDA authentication, loaded once at start-up: the partner's signing key and
 * certificate from the PKCS#12 keystore (`SIGN_P12_FILE_PATH`/`_PASSWORD`) and IDA's encryption
 * certificate (`ENCRYPT_CERT_PATH`). mosip-api re-reads and re-parses both on every call.
 */
import { readFileSync } from 'node:fs'
import { X509Certificate, type KeyObject } from 'node:crypto'
import { KeystoreError, loadPkcs12File } from '../mosip/pkcs12.js'
import { errorCode } from '../../core/error-code.js'
import { base64urlPadded, certificateThumbprint, DetachedJwsSigner } from './ida-crypto.js'

type IdaSetupCode =
  'IDA_KEYSTORE_UNUSABLE' | 'IDA_KEYSTORE_NO_CERTIFICATE' | 'IDA_CERTIFICATE_UNUSABLE'

/** A start-up problem with the IDA files; the message names the file, never the password. */
export class IdaSetupError extends Error {
  readonly code: IdaSetupCode

  constructor(code: IdaSetupCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'IdaSetupError'
    this.code = code
  }
}

export interface CertificateSummary {
  subject: string
  validTo: string
  /** SHA-256 of the DER, hex: safe to log, lets an operator match it with MOSIP's records. */
  thumbprint: string
  expired: boolean
}

export interface IdaMaterial {
  signer: DetachedJwsSigner
  /** IDA's public key, for the session key. */
  idaPublicKey: KeyObject
  /** `thumbprint` of the request body. */
  thumbprint: string
  signingCertificate: CertificateSummary
  idaCertificate: CertificateSummary
}

interface IdaMaterialFiles {
  encryptCertPath: string
  signP12Path: string
  signP12Password: string
}

function summary(certificate: X509Certificate, now: number): CertificateSummary {
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    validTo: new Date(certificate.validTo).toISOString(),
    thumbprint: certificateThumbprint(certificate.raw).toString('hex'),
    expired: Date.parse(certificate.validTo) < now
  }
}

/** Reads IDA's certificate, PEM or DER. */
function readCertificate(path: string): X509Certificate {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (error) {
    const code = errorCode(error) ?? 'read error'
    throw new IdaSetupError(
      'IDA_CERTIFICATE_UNUSABLE',
      `cannot read ENCRYPT_CERT_PATH ${path} (${code})`,
      { cause: error }
    )
  }
  try {
    return new X509Certificate(bytes)
  } catch (error) {
    throw new IdaSetupError(
      'IDA_CERTIFICATE_UNUSABLE',
      `ENCRYPT_CERT_PATH ${path} is not an X.509 certificate (PEM or DER)`,
      { cause: error }
    )
  }
}

/** Loads both files; throws IdaSetupError naming what is wrong. */
export function loadIdaMaterial(files: IdaMaterialFiles, now = Date.now()): IdaMaterial {
  let keystore: ReturnType<typeof loadPkcs12File>
  try {
    keystore = loadPkcs12File(files.signP12Path, files.signP12Password)
  } catch (error) {
    const detail = error instanceof KeystoreError ? error.message : 'unreadable'
    throw new IdaSetupError(
      'IDA_KEYSTORE_UNUSABLE',
      `SIGN_P12_FILE_PATH ${files.signP12Path}: ${detail}`,
      { cause: error }
    )
  }
  if (keystore.certificateDer === undefined) {
    throw new IdaSetupError(
      'IDA_KEYSTORE_NO_CERTIFICATE',
      `SIGN_P12_FILE_PATH ${files.signP12Path} holds no certificate for its key: IDA needs it in the signature`
    )
  }
  if (keystore.privateKey.asymmetricKeyType !== 'rsa') {
    throw new IdaSetupError(
      'IDA_KEYSTORE_UNUSABLE',
      `SIGN_P12_FILE_PATH ${files.signP12Path}: the key is not an RSA key (IDA signatures are RS256)`
    )
  }
  const idaCertificate = readCertificate(files.encryptCertPath)
  if (idaCertificate.publicKey.asymmetricKeyType !== 'rsa') {
    throw new IdaSetupError(
      'IDA_CERTIFICATE_UNUSABLE',
      `ENCRYPT_CERT_PATH ${files.encryptCertPath} does not hold an RSA key`
    )
  }
  return {
    signer: new DetachedJwsSigner(keystore.privateKey, keystore.certificateDer),
    idaPublicKey: idaCertificate.publicKey,
    thumbprint: base64urlPadded(certificateThumbprint(idaCertificate.raw)),
    signingCertificate: summary(new X509Certificate(keystore.certificateDer), now),
    idaCertificate: summary(idaCertificate, now)
  }
}
