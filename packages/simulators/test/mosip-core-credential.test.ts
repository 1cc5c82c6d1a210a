import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor } from '@mosip-bridge/test-support'
import {
  X509Certificate,
  constants,
  createDecipheriv,
  createHash,
  createPrivateKey,
  privateDecrypt,
  randomInt,
  verify,
  type KeyObject
} from 'node:crypto'
import forge from 'node-forge'
import {
  credentialIssuedEventSchema,
  mosipPublicKeyDocumentSchema,
  mosipVerifiableCredentialSchema,
  mosipWorkflowCompletedEventSchema,
  type CredentialIssuedEvent,
  type MosipVerifiableCredential
} from '@mosip-bridge/contracts'
import { SimServer } from '../src/shared/sim-server.js'
import { registerMosipCore, type MosipCore } from '../src/mosip/core/register-mosip-core.js'
import { sampleCreatePacketRequest, simpleTypeValue } from '../src/mosip/core/samples.js'

const CLIENT = { clientId: 'mosip-crvs1-client', secretKey: 'abcdeABCDE123456', appId: 'ida' }
const PARTNER = 'crvs_partner'
const CREDENTIAL_TOPIC = `${PARTNER}/CREDENTIAL_ISSUED`
const WORKFLOW_COMPLETED_TOPIC = 'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'
const KEYSTORE_PASSWORD = 'mosip123'

// ---------------------------------------------------------------------------------------------
// What the bridge has to do to read a credential (hybrid decryption, VC proof), written here from
// the wire format and not from the simulator's code

/** Private key and certificate of a PKCS#12 keystore (`DECRYPT_P12_FILE_PATH`). */
function readKeystore(
  p12: Buffer,
  password: string
): { privateKey: KeyObject; certificateDer: Buffer } {
  const store = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString('binary')), password)
  const keyOid = forge.pki.oids.pkcs8ShroudedKeyBag ?? ''
  const certOid = forge.pki.oids.certBag ?? ''
  const key = store.getBags({ bagType: keyOid })[keyOid]?.[0]?.key
  const certificate = store.getBags({ bagType: certOid })[certOid]?.[0]?.cert
  assert.ok(key && certificate, 'the keystore holds a key and a certificate')
  return {
    privateKey: createPrivateKey(forge.pki.privateKeyToPem(key)),
    certificateDer: Buffer.from(
      forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(),
      'binary'
    )
  }
}

/**
 * `base64url(VER_R2 | thumbprint(32) | RSA-OAEP-SHA256(aesKey) | #KEY_SPLITTER# | aad(32) |
 * AES-256-GCM ciphertext | tag(16))`, split on the first splitter, nonce = aad[0..12].
 */
function decryptCredential(
  encoded: string,
  privateKey: KeyObject
): { thumbprint: Buffer; rsaBlockLength: number; plaintext: Buffer } {
  const bytes = Buffer.from(encoded, 'base64')
  const splitter = Buffer.from('#KEY_SPLITTER#', 'ascii')
  const at = bytes.indexOf(splitter)
  assert.ok(at > 0, 'the credential has a key splitter')
  const keyPart = bytes.subarray(0, at)
  const dataPart = bytes.subarray(at + splitter.length)
  assert.equal(keyPart.subarray(0, 6).toString('ascii'), 'VER_R2')
  const thumbprint = keyPart.subarray(6, 38)
  const wrappedKey = keyPart.subarray(38)
  const aesKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    wrappedKey
  )
  assert.equal(aesKey.length, 32)
  const aad = dataPart.subarray(0, 32)
  const tag = dataPart.subarray(dataPart.length - 16)
  const ciphertext = dataPart.subarray(32, dataPart.length - 16)
  const decipher = createDecipheriv('aes-256-gcm', aesKey, aad.subarray(0, 12))
  decipher.setAAD(aad)
  decipher.setAuthTag(tag)
  return {
    thumbprint,
    rsaBlockLength: wrappedKey.length,
    plaintext: Buffer.concat([decipher.update(ciphertext), decipher.final()])
  }
}

/** RFC 8785 canonical JSON. */
function jcs(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`
  const record = value as Record<string, unknown>
  return `{${Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${jcs(record[key])}`)
    .join(',')}}`
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

/**
 * LD-signature check of the VC proof: the detached JWS (`b64:false`, PS256) signs
 * `SHA-256(canon(proof options + @context)) || SHA-256(canon(credential without proof))`.
 */
function verifyVcProof(vc: MosipVerifiableCredential, publicKeyPem: string): boolean {
  const { proof, ...unsigned } = vc
  assert.ok(proof)
  const { jws, ...options } = proof
  const verifyData = Buffer.concat([
    sha256(jcs({ '@context': vc['@context'], ...options })),
    sha256(jcs(unsigned))
  ])
  const [encodedHeader = '', payload, signature = ''] = jws.split('.')
  assert.equal(payload, '', 'the JWS is detached')
  assert.deepEqual(JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')), {
    b64: false,
    crit: ['b64'],
    alg: 'PS256'
  })
  return verify(
    'sha256',
    Buffer.concat([Buffer.from(`${encodedHeader}.`, 'ascii'), verifyData]),
    { key: publicKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(signature, 'base64url')
  )
}

/** `data.proof.signature`: detached RS256 JWS with `x5c`, over the base64url plaintext credential. */
function verifyDataSignature(signature: string, plaintext: Buffer): boolean {
  const [encodedHeader = '', , encodedSignature = ''] = signature.split('.')
  const header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as {
    alg: string
    x5c: string[]
    'x5t#S256': string
  }
  assert.equal(header.alg, 'RS256')
  const der = Buffer.from(header.x5c[0] ?? '', 'base64')
  assert.equal(header['x5t#S256'], createHash('sha256').update(der).digest('base64url'))
  const payload = Buffer.from(plaintext.toString('base64url'), 'ascii').toString('base64url')
  return verify(
    'sha256',
    Buffer.from(`${encodedHeader}.${payload}`, 'ascii'),
    new X509Certificate(der).publicKey,
    Buffer.from(encodedSignature, 'base64url')
  )
}

// ---------------------------------------------------------------------------------------------

function freshId(): string {
  return `10001${String(randomInt(0, 1e10)).padStart(10, '0')}`
}

interface Harness {
  sim: SimServer
  core: MosipCore
  url: string
  published: Array<{ topic: string; event: unknown }>
  /** createPacket + workflowinstance over HTTP. */
  register(
    id: string,
    change?: (request: ReturnType<typeof sampleCreatePacketRequest>) => void
  ): Promise<void>
  credentialFor(id: string): Promise<CredentialIssuedEvent>
  completedFor(id: string): Promise<Record<string, unknown>>
}

async function startHarness(partnerKeyBits: 2048 | 4096): Promise<Harness> {
  const published: Array<{ topic: string; event: unknown }> = []
  const sim = new SimServer({ name: `mosip-${partnerKeyBits}` })
  const core = registerMosipCore(sim, {
    clients: [CLIENT],
    publish: (topic, event) => {
      published.push({ topic, event })
    },
    pipeline: { stepDelayMs: 10 },
    credential: { partnerId: PARTNER, partnerKeyBits, metaInfoFields: ['centerId'] }
  })
  const url = await sim.listen()
  const json = async (
    method: string,
    path: string,
    body: unknown,
    cookie?: string
  ): Promise<Response> =>
    fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body)
    })
  const login = await json('POST', '/v1/authmanager/authenticate/clientidsecretkey', {
    id: 'string',
    version: 'string',
    requesttime: new Date().toISOString(),
    metadata: {},
    request: CLIENT
  })
  const cookie = `${(login.headers.get('set-cookie') ?? '').split(';')[0]};`
  const findEvent = (topic: string, id: string, key: (event: unknown) => string | undefined) =>
    published.find((entry) => entry.topic === topic && key(entry.event) === id)?.event
  return {
    sim,
    core,
    url,
    published,
    async register(id, change) {
      const request = sampleCreatePacketRequest({ id })
      change?.(request)
      const created = await json('PUT', '/commons/v1/packetmanager/createPacket', request, cookie)
      assert.equal(((await created.json()) as { response: unknown[] }).response.length, 3)
      const started = await json(
        'POST',
        '/registrationprocessor/v1/workflowmanager/workflowinstance',
        {
          id: 'mosip.registration.processor.workflow.instance',
          version: 'v1',
          requesttime: new Date().toISOString(),
          request: { registrationId: id, process: request.request.process, source: 'OPENCRVS' }
        },
        cookie
      )
      assert.equal(((await started.json()) as { errors: unknown }).errors, null)
    },
    async credentialFor(id) {
      const event = await waitFor(`CREDENTIAL_ISSUED for ${id}`, () =>
        findEvent(CREDENTIAL_TOPIC, id, (event) => {
          return (event as CredentialIssuedEvent).event?.data?.registrationId
        })
      )
      return credentialIssuedEventSchema.parse(event)
    },
    async completedFor(id) {
      return waitFor(
        `workflow completed for ${id}`,
        () =>
          findEvent(
            WORKFLOW_COMPLETED_TOPIC,
            id,
            (event) => (event as { instanceId?: string }).instanceId
          ) as Record<string, unknown> | undefined
      )
    }
  }
}

for (const bits of [2048, 4096] as const) {
  describe(`CREDENTIAL_ISSUED with an RSA-${bits} partner key`, () => {
    let harness: Harness
    let keystore: { privateKey: KeyObject; certificateDer: Buffer }

    before(async () => {
      harness = await startHarness(bits)
      keystore = readKeystore(
        harness.core.issuer.partnerKeystore(KEYSTORE_PASSWORD),
        KEYSTORE_PASSWORD
      )
    })
    after(() => harness.sim.close())

    it('publishes a credential that decrypts with the keystore and verifies against the published key', async () => {
      const id = freshId()
      await harness.register(id)
      const completed = mosipWorkflowCompletedEventSchema.parse(await harness.completedFor(id))
      assert.deepEqual(completed, {
        instanceId: id,
        resultCode: 'PROCESSED',
        workflowType: 'CRVS_NEW',
        errorCode: null
      })
      const event = await harness.credentialFor(id)
      assert.equal(event.publisher, 'CREDENTIAL_SERVICE')
      assert.equal(event.topic, CREDENTIAL_TOPIC)
      assert.match(event.event.id, /^[0-9a-f-]{36}$/)
      assert.match(event.event.transactionId, /^[0-9a-f-]{36}$/)
      assert.deepEqual(event.event.type, { namespace: 'mosip', name: 'mosip' })
      const data = event.event.data
      assert.equal(data.credentialType, 'vercred')
      assert.equal(data.templateTypeCode, 'RPR_UIN_CARD_TEMPLATE')
      assert.match(data.protectionKey ?? '', /^\d{6}$/)
      assert.equal(data.centerId, '10002', 'configured metaData labels are copied into event.data')

      const credential = data.credential ?? ''
      assert.match(credential, /^[A-Za-z0-9_-]+$/, 'unpadded base64url')
      const { thumbprint, rsaBlockLength, plaintext } = decryptCredential(
        credential,
        keystore.privateKey
      )
      assert.equal(rsaBlockLength, bits / 8)
      assert.deepEqual(thumbprint, createHash('sha256').update(keystore.certificateDer).digest())

      const vc = mosipVerifiableCredentialSchema.parse(JSON.parse(plaintext.toString('utf8')))
      const subject = vc.credentialSubject
      assert.ok(subject.id.endsWith(`/${id}`))
      assert.equal(subject.id.split('/').at(-1), id)
      assert.equal(subject.vcVer, 'VC-V1')
      assert.equal(subject.birthCertificateNumber, '2025B4XK2LQ')
      assert.match(String(subject.UIN), /^[2-9]\d{9}$/)
      assert.match(String(subject.VID), /^[2-9]\d{15}$/)
      assert.equal(subject.fullName, simpleTypeValue('Leo Bwalya'), 'values are placed as-is')
      assert.deepEqual(vc.type, ['VerifiableCredential', 'MOSIPVerifiableCredential'])
      assert.equal(vc.proof?.type, 'RsaSignature2018')
      assert.equal(vc.proof?.proofPurpose, 'assertionMethod')
      assert.equal(harness.core.registrations.get(id)?.uin, subject.UIN)

      const keyDocument = mosipPublicKeyDocumentSchema.parse(
        await (await fetch(vc.proof?.verificationMethod ?? '')).json()
      )
      assert.equal(keyDocument.id, vc.proof?.verificationMethod)
      assert.equal(verifyVcProof(vc, keyDocument.publicKeyPem), true)
      assert.equal(verifyDataSignature(data.proof?.signature ?? '', plaintext), true)
    })
  })
}

describe('credential and workflow outcomes', () => {
  let harness: Harness
  let keystore: { privateKey: KeyObject; certificateDer: Buffer }

  before(async () => {
    harness = await startHarness(2048)
    keystore = readKeystore(
      harness.core.issuer.partnerKeystore(KEYSTORE_PASSWORD),
      KEYSTORE_PASSWORD
    )
  })
  after(() => harness.sim.close())

  it('publishes only the workflow-completed event with REJECTED for a rejected registration', async () => {
    const id = freshId()
    harness.core.pipeline.setOutcome(id, 'rejected')
    await harness.register(id)
    const completed = mosipWorkflowCompletedEventSchema.parse(await harness.completedFor(id))
    assert.deepEqual(completed, {
      instanceId: id,
      resultCode: 'REJECTED',
      workflowType: 'CRVS_NEW',
      errorCode: 'PACKET_REJECTED'
    })
    assert.equal(harness.core.registrations.get(id)?.statusCode, 'REJECTED')
    assert.equal(harness.core.registrations.get(id)?.completedAt !== undefined, true)
    const credentials = harness.published.filter(
      (entry) =>
        entry.topic === CREDENTIAL_TOPIC &&
        (entry.event as CredentialIssuedEvent).event.data.registrationId === id
    )
    assert.deepEqual(credentials, [])
  })

  it('issues a death credential whose subject has only id and vcVer', async () => {
    const birth = freshId()
    await harness.register(birth)
    const birthVc = JSON.parse(
      decryptCredential(
        (await harness.credentialFor(birth)).event.data.credential ?? '',
        keystore.privateKey
      ).plaintext.toString('utf8')
    ) as MosipVerifiableCredential
    const uin = String(birthVc.credentialSubject.UIN)

    const death = freshId()
    await harness.register(death, (request) => {
      request.request.process = 'CRVS_DEATH'
      request.request.fields = {
        fullName: simpleTypeValue('Leo Bwalya'),
        UIN: uin,
        deathDeclared: 'yes',
        dateOfDeath: '2025/04/01'
      }
    })
    const event = await harness.credentialFor(death)
    const vc = JSON.parse(
      decryptCredential(event.event.data.credential ?? '', keystore.privateKey).plaintext.toString(
        'utf8'
      )
    ) as MosipVerifiableCredential
    assert.deepEqual(Object.keys(vc.credentialSubject).sort(), ['id', 'vcVer'])
    assert.ok(vc.credentialSubject.id.endsWith(`/${death}`))
    assert.equal(harness.core.pipeline.identity(uin)?.deceased, true)
  })

  it('issues an update credential for the same identity (UIN and VID kept, data merged)', async () => {
    const birth = freshId()
    await harness.register(birth)
    const decrypt = async (id: string): Promise<MosipVerifiableCredential> =>
      JSON.parse(
        decryptCredential(
          (await harness.credentialFor(id)).event.data.credential ?? '',
          keystore.privateKey
        ).plaintext.toString('utf8')
      ) as MosipVerifiableCredential
    const before = (await decrypt(birth)).credentialSubject
    const update = freshId()
    await harness.register(update, (request) => {
      request.request.process = 'CRVS_UPDATE'
      request.request.fields = {
        VID: String(before.VID),
        fullName: simpleTypeValue('Leo M. Bwalya')
      }
    })
    const after = (await decrypt(update)).credentialSubject
    assert.ok(after.id.endsWith(`/${update}`))
    assert.equal(after.UIN, before.UIN)
    assert.equal(after.VID, before.VID)
    assert.equal(after.fullName, simpleTypeValue('Leo M. Bwalya'))
    assert.equal(after.birthCertificateNumber, '2025B4XK2LQ')
  })

  it('tampers, mis-encrypts and mis-signs the next credential on request', async () => {
    const tampered = freshId()
    harness.core.issuer.tamperNextCiphertext()
    await harness.register(tampered)
    const tamperedEvent = await harness.credentialFor(tampered)
    assert.throws(() =>
      decryptCredential(tamperedEvent.event.data.credential ?? '', keystore.privateKey)
    )

    const misencrypted = freshId()
    harness.core.issuer.encryptNextToWrongCertificate()
    await harness.register(misencrypted)
    const wrongCertEvent = await harness.credentialFor(misencrypted)
    const bytes = Buffer.from(wrongCertEvent.event.data.credential ?? '', 'base64url')
    assert.notDeepEqual(
      bytes.subarray(6, 38),
      createHash('sha256').update(keystore.certificateDer).digest(),
      'the thumbprint names another certificate'
    )
    assert.throws(() =>
      decryptCredential(wrongCertEvent.event.data.credential ?? '', keystore.privateKey)
    )

    const missigned = freshId()
    harness.core.issuer.signNextWithWrongKey()
    await harness.register(missigned)
    const wrongKeyEvent = await harness.credentialFor(missigned)
    const { plaintext } = decryptCredential(
      wrongKeyEvent.event.data.credential ?? '',
      keystore.privateKey
    )
    const vc = mosipVerifiableCredentialSchema.parse(JSON.parse(plaintext.toString('utf8')))
    const keyDocument = mosipPublicKeyDocumentSchema.parse(
      await (await fetch(`${harness.url}/.well-known/public-key.json`)).json()
    )
    assert.equal(verifyVcProof(vc, keyDocument.publicKeyPem), false)
    assert.equal(
      verifyDataSignature(wrongKeyEvent.event.data.proof?.signature ?? '', plaintext),
      false
    )

    const clean = freshId()
    await harness.register(clean)
    const cleanEvent = await harness.credentialFor(clean)
    const cleanVc = mosipVerifiableCredentialSchema.parse(
      JSON.parse(
        decryptCredential(
          cleanEvent.event.data.credential ?? '',
          keystore.privateKey
        ).plaintext.toString('utf8')
      )
    )
    assert.equal(
      verifyVcProof(cleanVc, keyDocument.publicKeyPem),
      true,
      'faults apply to one credential only'
    )
  })
})
