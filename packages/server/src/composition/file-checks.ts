import type { BridgeConfig } from '../config/index.js'
import { errorCode } from '../core/error-code.js'
import { loadClientKeyFile } from '../integrations/esignet/client-key.js'
import { loadIdaMaterial } from '../integrations/ida/ida-material.js'
import { MosipCredentialDecryptor } from '../integrations/mosip/credential-decryptor.js'

/** One key file of the configuration, opened as the bridge opens it at start-up. */
export interface FileCheck {
  /** The variables naming the file(s). */
  variables: string
  /** Required files stop the bridge doing its work (credentials wait) when unusable. */
  required: boolean
  ok: boolean
  /** What was found (key size, thumbprints, expiry) or why it cannot be used. */
  detail: string
}

function failure(error: unknown): string {
  const code = errorCode(error)
  const message = error instanceof Error ? error.message : String(error)
  return code && !message.includes(code) ? `${code}: ${message}` : message
}

/**
 * Opens every key file with its password exactly as start-up does — the credential keystore
 * (required), IDA's signing keystore and certificate, E-Signet's client key (each needed by one
 * route only) — and says what it found. Nothing secret is returned: thumbprints, sizes, dates.
 */
export function checkKeyFiles(config: BridgeConfig, now = Date.now()): FileCheck[] {
  const checks: FileCheck[] = []
  const { credential } = config.mosip
  try {
    const decryptor = MosipCredentialDecryptor.fromKeystoreFile(
      credential.decryptP12Path,
      credential.decryptP12Password,
      { checkThumbprint: credential.checkThumbprint, extraThumbprints: credential.extraThumbprints }
    )
    const described = decryptor.describe()
    checks.push({
      variables: 'DECRYPT_P12_FILE_PATH, DECRYPT_P12_FILE_PASSWORD',
      required: true,
      ok: true,
      detail: `RSA-${described.keyBits}, certificate thumbprint(s) ${described.thumbprints.join(', ')}`
    })
  } catch (error) {
    checks.push({
      variables: 'DECRYPT_P12_FILE_PATH, DECRYPT_P12_FILE_PASSWORD',
      required: true,
      ok: false,
      detail: `${failure(error)} — credentials would wait, stored, until it can be opened`
    })
  }
  try {
    const material = loadIdaMaterial(
      {
        encryptCertPath: config.ida.encryptCertPath,
        signP12Path: config.ida.signP12Path,
        signP12Password: config.ida.signP12Password
      },
      now
    )
    const expired = [material.signingCertificate, material.idaCertificate].filter((c) => c.expired)
    checks.push({
      variables: 'SIGN_P12_FILE_PATH, SIGN_P12_FILE_PASSWORD, ENCRYPT_CERT_PATH',
      required: false,
      ok: expired.length === 0,
      detail:
        expired.length > 0
          ? `expired certificate(s): ${expired.map((c) => `${c.subject} (${c.validTo})`).join(', ')} — IDA will refuse /verify`
          : `signing ${material.signingCertificate.thumbprint} (until ${material.signingCertificate.validTo}), IDA ${material.idaCertificate.thumbprint} (until ${material.idaCertificate.validTo})`
    })
  } catch (error) {
    checks.push({
      variables: 'SIGN_P12_FILE_PATH, SIGN_P12_FILE_PASSWORD, ENCRYPT_CERT_PATH',
      required: false,
      ok: false,
      detail: `${failure(error)} — /verify would answer 503`
    })
  }
  try {
    const key = loadClientKeyFile(config.esignet.clientPrivateKeyPath)
    checks.push({
      variables: 'OIDP_CLIENT_PRIVATE_KEY_PATH',
      required: false,
      ok: true,
      detail: `${key.privateKey.asymmetricKeyType ?? 'key'}${key.kid ? `, kid ${key.kid}` : ''}`
    })
  } catch (error) {
    checks.push({
      variables: 'OIDP_CLIENT_PRIVATE_KEY_PATH',
      required: false,
      ok: false,
      detail: `${failure(error)} — /esignet/get-oidp-user-info would answer 503`
    })
  }
  const encryptionKeyPath = config.esignet.clientEncryptionKeyPath
  if (encryptionKeyPath !== undefined) {
    try {
      const key = loadClientKeyFile(encryptionKeyPath, 'OIDP_CLIENT_ENCRYPTION_KEY_PATH')
      checks.push({
        variables: 'OIDP_CLIENT_ENCRYPTION_KEY_PATH',
        required: false,
        ok: true,
        detail: `${key.privateKey.asymmetricKeyType ?? 'key'}${key.kid ? `, kid ${key.kid}` : ''}`
      })
    } catch (error) {
      checks.push({
        variables: 'OIDP_CLIENT_ENCRYPTION_KEY_PATH',
        required: false,
        ok: false,
        detail: `${failure(error)} — /esignet/get-oidp-user-info would answer 503`
      })
    }
  }
  return checks
}
