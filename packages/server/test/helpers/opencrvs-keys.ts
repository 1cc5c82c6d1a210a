import { createServer, type Server } from 'node:http'
import { once } from 'node:events'
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'

/** A stand-in OpenCRVS auth service for route tests: serves its public key, signs tokens. */
export class TestOpencrvsKeys {
  readonly privateKey: KeyObject
  readonly publicKeyPem: string
  private server: Server | undefined
  url = ''

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    this.privateKey = privateKey
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      if (request.url === '/.well-known') {
        response.writeHead(200, { 'content-type': 'text/plain' })
        response.end(this.publicKeyPem)
      } else {
        response.writeHead(404)
        response.end()
      }
    })
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    const address = this.server.address()
    if (!address || typeof address === 'string') throw new Error('no address')
    this.url = `http://127.0.0.1:${address.port}`
    return this.url
  }

  async stop(): Promise<void> {
    if (!this.server) return
    this.server.close()
    await once(this.server, 'close')
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
      .setSubject('registrar-1')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '7d')
      .sign(options.key ?? this.privateKey)
  }
}
