import { randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'
import {
  startRecordingServer,
  testRsaKeyPair,
  type RecordingServer
} from '@mosip-bridge/test-support'

/** A stand-in OpenCRVS auth service for route tests: serves its public key, signs tokens. */
export class TestOpencrvsKeys {
  readonly privateKey: KeyObject
  readonly publicKeyPem: string
  private server: RecordingServer | undefined
  url = ''

  constructor() {
    const { privateKey, publicKey } = testRsaKeyPair()
    this.privateKey = privateKey
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }

  async start(): Promise<string> {
    this.server = await startRecordingServer((request, response) => {
      if (request.path === '/.well-known') {
        response.writeHead(200, { 'content-type': 'text/plain' })
        response.end(this.publicKeyPem)
      } else {
        response.writeHead(404)
        response.end()
      }
    })
    this.url = this.server.url
    return this.url
  }

  async stop(): Promise<void> {
    await this.server?.close()
  }

  /** An action token as OpenCRVS 2.0 hands it to the country configuration. */
  async actionToken(
    claims: Record<string, unknown> = {},
    options: { audience?: string[]; key?: KeyObject; expiresIn?: string } = {}
  ): Promise<string> {
    return new SignJWT({
      scope: ['type=record.confirm-registration', 'type=record.reject-registration'],
      eventId: randomUUID(),
      actionId: randomUUID(),
      userType: 'user',
      ...claims
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('opencrvs:auth-service')
      .setAudience(options.audience ?? ['opencrvs:gateway-user', 'opencrvs:countryconfig-user'])
      .setSubject(typeof claims.sub === 'string' ? claims.sub : 'registrar-1')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '7d')
      .sign(options.key ?? this.privateKey)
  }
}
