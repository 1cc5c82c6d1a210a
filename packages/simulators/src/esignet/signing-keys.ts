import type { JWK } from 'jose'
import { createCertifiedKey, type CertifiedKey } from '../shared/pki.js'
import { rsaThumbprint } from './client-registry.js'

/** A key eSignet signs with, its certificate, and its `kid` (the RFC 7638 thumbprint). */
export interface SigningKey {
  key: CertifiedKey
  kid: string
}

export function createSigningKey(name: string): SigningKey {
  const key = createCertifiedKey(name)
  return { key, kid: rsaThumbprint(key.publicKey.export({ format: 'jwk' }) as JWK) }
}
