import { createHash, randomBytes, type KeyObject } from 'node:crypto'
import { newRsaKeyPair } from './rsa-key-pair.js'
import forge from 'node-forge'

/** An RSA key pair with a self-signed X.509 certificate, as MOSIP partners exchange them. */
export interface CertifiedKey {
  privateKey: KeyObject
  publicKey: KeyObject
  privateKeyPem: string
  /** PEM of the X.509 certificate. */
  certificatePem: string
  /** DER bytes of the certificate. */
  certificateDer: Buffer
  /** SHA-256 of the certificate's DER encoding (MOSIP's "thumbprint"). */
  thumbprint: Buffer
}

/**
 * Generates an RSA key (natively) and a self-signed certificate for it. node-forge is used only
 * to build the certificate and PKCS#12 structures, which Node's crypto cannot create; the key
 * generation and every later RSA operation use Node's native crypto.
 */
export function createCertifiedKey(
  commonName: string,
  modulusLength: 2048 | 4096 = 2048
): CertifiedKey {
  const { privateKey, publicKey } = newRsaKeyPair(modulusLength)
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const forgePrivate = forge.pki.privateKeyFromPem(privateKeyPem)
  const forgePublic = forge.pki.publicKeyFromPem(
    publicKey.export({ type: 'spki', format: 'pem' }).toString()
  )
  const cert = forge.pki.createCertificate()
  cert.publicKey = forgePublic
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`
  const now = new Date()
  cert.validity.notBefore = new Date(now.getTime() - 60_000)
  cert.validity.notAfter = new Date(now.getTime() + 365 * 24 * 3600_000)
  const attrs = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'mosip-bridge simulators' }
  ]
  cert.setSubject(attrs)
  cert.setIssuer(attrs)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, dataEncipherment: true }
  ])
  cert.sign(forgePrivate, forge.md.sha256.create())
  const certificatePem = forge.pki.certificateToPem(cert)
  const certificateDer = Buffer.from(
    forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(),
    'binary'
  )
  return {
    privateKey,
    publicKey,
    privateKeyPem,
    certificatePem,
    certificateDer,
    thumbprint: createHash('sha256').update(certificateDer).digest()
  }
}

/** A PKCS#12 keystore holding the key and its certificate, protected by `password`. */
export function toPkcs12(key: CertifiedKey, password: string, alias = 'partner'): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(key.privateKeyPem),
    [forge.pki.certificateFromPem(key.certificatePem)],
    password,
    { algorithm: 'aes256', friendlyName: alias, generateLocalKeyId: true }
  )
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')
}
