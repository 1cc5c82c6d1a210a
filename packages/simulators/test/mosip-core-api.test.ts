import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { waitFor } from '@mosip-bridge/test-support'
import {
  mosipAuthResponseSchema,
  mosipCreatePacketResponseSchema,
  mosipResponseEnvelopeSchema,
  mosipStatusSearchResponseSchema,
  mosipWorkflowCompletedEventSchema,
  mosipWorkflowInstanceResponseSchema,
  type MosipCreatePacketRequest
} from '@mosip-bridge/contracts'
import { SimServer } from '../src/shared/sim-server.js'
import { registerMosipCore, type MosipCore } from '../src/mosip/core/register-mosip-core.js'
import {
  sampleBirthFields,
  sampleCreatePacketRequest,
  simpleTypeValue
} from '../src/mosip/core/samples.js'

const CLIENT = { clientId: 'mosip-crvs1-client', secretKey: 'abcdeABCDE123456', appId: 'ida' }
const AUTH_PATH = '/v1/authmanager/authenticate/clientidsecretkey'
const CREATE_PACKET_PATH = '/commons/v1/packetmanager/createPacket'
const WORKFLOW_PATH = '/registrationprocessor/v1/workflowmanager/workflowinstance'
const SEARCH_PATH = '/registrationprocessor/v1/registrationstatus/search'
const EXTERNAL_SEARCH_PATH = '/registrationprocessor/v1/registrationstatus/externalstatus/search'
const WORKFLOW_COMPLETED_TOPIC = 'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'

/** An AID like the bridge makes them: prefix `10001` and 10 random digits. */
function freshId(): string {
  return `10001${String(randomInt(0, 1e10)).padStart(10, '0')}`
}

interface Answer {
  status: number
  headers: Headers
  body: unknown
}

describe('MOSIP core simulators on the wire', () => {
  const published: Array<{ topic: string; event: unknown }> = []
  const sim = new SimServer({ name: 'mosip' })
  const core: MosipCore = registerMosipCore(sim, {
    clients: [CLIENT],
    publish: (topic, event) => {
      published.push({ topic, event })
    },
    pipeline: { stepDelayMs: 20 }
  })
  let url = ''

  before(async () => {
    url = await sim.listen()
  })
  after(() => sim.close())

  async function send(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
    headers: Record<string, string> = {}
  ): Promise<Answer> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body, null, 2)
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON
    }
    return { status: response.status, headers: response.headers, body: parsed }
  }

  function loginBody(request: Record<string, string> = CLIENT): unknown {
    return {
      id: 'string',
      version: 'string',
      requesttime: new Date().toISOString(),
      metadata: {},
      request
    }
  }

  async function login(): Promise<string> {
    const answer = await send('POST', AUTH_PATH, loginBody())
    assert.equal(answer.status, 200)
    const cookie = answer.headers.get('set-cookie') ?? ''
    return cookie.split(';')[0]?.split('=')[1] ?? ''
  }

  function withToken(token: string): Record<string, string> {
    return { cookie: `Authorization=${token};` }
  }

  async function createPacket(token: string, request: MosipCreatePacketRequest): Promise<Answer> {
    return send('PUT', CREATE_PACKET_PATH, request, withToken(token))
  }

  function workflowBody(registrationId: string, process = 'CRVS_NEW'): Record<string, unknown> {
    return {
      id: 'mosip.registration.processor.workflow.instance',
      version: 'v1',
      requesttime: new Date().toISOString(),
      request: {
        registrationId,
        process,
        source: 'OPENCRVS',
        additionalInfoReqId: '',
        notificationInfo: { name: 'Mary Bwalya', phone: '+260971234567', email: 'mary@example.org' }
      }
    }
  }

  function statusBody(ids: string[], id = 'mosip.registration.status'): Record<string, unknown> {
    return {
      id,
      version: '1.0',
      requesttime: new Date().toISOString(),
      request: ids.map((registrationId) => ({ registrationId }))
    }
  }

  async function statuses(
    token: string,
    path: string,
    ids: string[],
    id: string
  ): Promise<ReturnType<typeof mosipStatusSearchResponseSchema.parse>> {
    const answer = await send('POST', path, statusBody(ids, id), withToken(token))
    assert.equal(answer.status, 200)
    return mosipStatusSearchResponseSchema.parse(answer.body)
  }

  async function externalStatus(
    token: string,
    registrationId: string
  ): Promise<string | undefined> {
    const answer = await statuses(
      token,
      EXTERNAL_SEARCH_PATH,
      [registrationId],
      'mosip.registration.external.status'
    )
    return answer.response?.[0]?.statusCode
  }

  async function searchStatus(token: string, registrationId: string): Promise<string | undefined> {
    const answer = await statuses(token, SEARCH_PATH, [registrationId], 'mosip.registration.status')
    return answer.response?.[0]?.statusCode
  }

  function completedEventFor(registrationId: string): Record<string, unknown> | undefined {
    const found = published.find(
      (entry) =>
        entry.topic === WORKFLOW_COMPLETED_TOPIC &&
        (entry.event as { instanceId?: string }).instanceId === registrationId
    )
    return found?.event as Record<string, unknown> | undefined
  }

  it('logs in with the token in Set-Cookie and in the Authorization header', async () => {
    const answer = await send('POST', AUTH_PATH, loginBody())
    assert.equal(answer.status, 200)
    const body = mosipAuthResponseSchema.parse(answer.body)
    assert.equal(body.response?.status, 'Success')
    assert.equal(
      body.response?.message,
      'Clientid and Token combination had been validated successfully'
    )
    assert.equal(body.id, 'string')
    assert.equal(body.errors, null)
    const cookie = answer.headers.get('set-cookie') ?? ''
    assert.match(
      cookie,
      /^Authorization=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=3600; Path=\/; HttpOnly; Secure$/
    )
    const token = cookie.split(';')[0]?.split('=')[1] ?? ''
    assert.equal(answer.headers.get('authorization'), token)
    const [header, payload] = token.split('.')
    assert.equal(JSON.parse(Buffer.from(header ?? '', 'base64url').toString()).alg, 'RS256')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >
    assert.equal(claims.clientId, CLIENT.clientId)
    assert.equal(claims.azp, CLIENT.clientId)
    assert.equal(claims.preferred_username, `service-account-${CLIENT.clientId}`)
    assert.ok(typeof claims.exp === 'number' && claims.exp > Date.now() / 1000 + 3000)
    assert.deepEqual(core.auth.verify(token)?.clientId, CLIENT.clientId)
  })

  it('refuses a wrong secret, an unknown client and an unknown appId without a cookie', async () => {
    const wrongSecret = await send('POST', AUTH_PATH, loginBody({ ...CLIENT, secretKey: 'nope' }))
    assert.equal(wrongSecret.status, 500)
    assert.equal(wrongSecret.headers.get('set-cookie'), null)
    const envelope = mosipResponseEnvelopeSchema.parse(wrongSecret.body)
    assert.equal(envelope.response, null)
    assert.match(envelope.errors?.[0]?.message ?? '', /Invalid client secret/)

    const unknownClient = await send('POST', AUTH_PATH, loginBody({ ...CLIENT, clientId: 'who' }))
    assert.equal(unknownClient.status, 500)
    assert.equal(unknownClient.headers.get('set-cookie'), null)

    core.auth.setRejectCredentialsAs('envelope200')
    const enveloped = await send('POST', AUTH_PATH, loginBody({ ...CLIENT, secretKey: 'nope' }))
    core.auth.setRejectCredentialsAs('http500')
    assert.equal(enveloped.status, 200)
    assert.equal(enveloped.headers.get('set-cookie'), null)
    assert.equal(
      mosipResponseEnvelopeSchema.parse(enveloped.body).errors?.[0]?.errorCode,
      'KER-ATH-401'
    )

    const unknownApp = await send('POST', AUTH_PATH, loginBody({ ...CLIENT, appId: 'nothere' }))
    assert.equal(unknownApp.status, 200)
    assert.equal(unknownApp.headers.get('set-cookie'), null)
    assert.equal(
      mosipResponseEnvelopeSchema.parse(unknownApp.body).errors?.[0]?.errorCode,
      'KER-ATH-026'
    )
  })

  it('answers 401 KER-ATH-401 on createPacket without a valid Authorization cookie', async () => {
    const token = await login()
    const request = sampleCreatePacketRequest({ id: freshId() })
    const expect401 = async (headers: Record<string, string>, why: string): Promise<void> => {
      const answer = await send('PUT', CREATE_PACKET_PATH, request, headers)
      assert.equal(answer.status, 401, why)
      const envelope = mosipResponseEnvelopeSchema.parse(answer.body)
      assert.deepEqual(
        envelope.errors,
        [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }],
        why
      )
      assert.equal(envelope.response, null, why)
    }
    await expect401({}, 'no cookie')
    await expect401({ authorization: token }, 'token only in the Authorization header')
    await expect401({ authorization: `Bearer ${token}` }, 'bearer header')
    await expect401({ cookie: 'Authorization=not.a.jwt' }, 'garbage token')

    const ok = await send('PUT', CREATE_PACKET_PATH, request, {
      cookie: `theme=dark; Authorization=${token};`
    })
    assert.equal(ok.status, 200, 'a trailing semicolon and other cookies are fine')

    core.auth.expireAllTokens()
    await expect401(withToken(token), 'token issued before expireAllTokens')
    const fresh = await login()
    assert.equal((await createPacket(fresh, request)).status, 200)

    core.auth.setTokenTtl(0)
    const expired = await login()
    core.auth.setTokenTtl(3600)
    await expect401(withToken(expired), 'token past its exp')
  })

  it('creates the sample birth packet: three PacketInfo, unknown fields dropped', async () => {
    const token = await login()
    const id = freshId()
    const request = sampleCreatePacketRequest({ id })
    request.request.fields.notInTheSchema = 'dropped silently'
    const answer = await createPacket(token, request)
    assert.equal(answer.status, 200)
    const body = mosipCreatePacketResponseSchema.parse(answer.body)
    assert.equal(body.id, 'mosip.registration.packet.writer')
    assert.equal(body.version, 'v1')
    assert.deepEqual(body.errors, [])
    const infos = body.response ?? []
    assert.deepEqual(
      infos.map((info) => info.packetName),
      [`${id}_evidence`, `${id}_optional`, `${id}_id`]
    )
    for (const info of infos) {
      assert.equal(info.id, id)
      assert.equal(info.source, 'OPENCRVS')
      assert.equal(info.process, 'CRVS_NEW')
      assert.equal(info.refId, '10001_10004')
      assert.equal(info.schemaVersion, '0.1')
      assert.equal(info.providerName, 'PacketWriterImpl')
      assert.equal(info.providerVersion, 'v1.0')
      assert.match(info.signature ?? '', /^[\w-]+$/)
      assert.match(info.creationDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    }
    const stored = core.packets.get(id)
    assert.ok(stored)
    assert.deepEqual(stored.droppedFields, ['notInTheSchema'])
    assert.equal(stored.fields.notInTheSchema, undefined)
    assert.equal(stored.fields.birthCertificateNumber, '2025B4XK2LQ')
    assert.deepEqual(stored.identity.fullName, [{ language: 'eng', value: 'Leo Bwalya' }])
    assert.equal(stored.identity.IDSchemaVersion, 0.1)
    assert.equal(stored.metaInfo.registrationId, id, 'the packet manager overwrites registrationId')
    assert.equal(stored.process, 'CRVS_NEW')
    assert.equal(stored.source, 'OPENCRVS')
    assert.deepEqual(stored.validationIssues, [])
  })

  it('overwrites a packet created again under the same id', async () => {
    const token = await login()
    const id = freshId()
    assert.equal((await createPacket(token, sampleCreatePacketRequest({ id }))).status, 200)
    const second = sampleCreatePacketRequest({ id })
    second.request.fields.birthCertificateNumber = '2025ZZZZZZZ'
    assert.equal((await createPacket(token, second)).status, 200)
    assert.equal(core.packets.get(id)?.fields.birthCertificateNumber, '2025ZZZZZZZ')
    assert.equal(core.packets.get(id)?.writes, 2)
  })

  it('answers an unknown process or source with HTTP 200 and KER-PUT-006', async () => {
    const token = await login()
    for (const override of [{ process: 'BIRTH' }, { source: 'SOMEONE' }]) {
      const id = freshId()
      const answer = await createPacket(token, sampleCreatePacketRequest({ id, ...override }))
      assert.equal(answer.status, 200)
      const body = mosipCreatePacketResponseSchema.parse(answer.body)
      assert.equal(body.response, null)
      assert.equal(body.errors?.[0]?.errorCode, 'KER-PUT-006')
      assert.equal(core.packets.has(id), false)
    }
  })

  it('fails like MOSIP by default: 400 for a non-string value, 200 with response null for empty audits', async () => {
    const token = await login()
    const nonString = sampleCreatePacketRequest({ id: freshId() }) as unknown as {
      request: { fields: Record<string, unknown> }
    }
    nonString.request.fields.fullName = [{ language: 'eng', value: 'Leo Bwalya' }]
    const unreadable = await send('PUT', CREATE_PACKET_PATH, nonString, withToken(token))
    assert.equal(unreadable.status, 400)
    assert.equal((unreadable.body as { error?: string }).error, 'Bad Request')

    const numbers = sampleCreatePacketRequest({ id: freshId() }) as unknown as {
      request: { id: string; fields: Record<string, unknown> }
    }
    numbers.request.fields.IDSchemaVersion = 0.1
    assert.equal(
      (await send('PUT', CREATE_PACKET_PATH, numbers, withToken(token))).status,
      200,
      'Jackson coerces scalars'
    )

    const id = freshId()
    const emptyAudits = sampleCreatePacketRequest({ id, audits: [] })
    const answer = await createPacket(token, emptyAudits)
    assert.equal(answer.status, 200)
    const body = mosipCreatePacketResponseSchema.parse(answer.body)
    assert.equal(body.response, null)
    assert.deepEqual(body.errors, [])
    assert.equal(core.packets.has(id), false)

    const badSchema = await createPacket(
      token,
      sampleCreatePacketRequest({ id: freshId(), schemaJson: '{"nope":' })
    )
    assert.equal(mosipCreatePacketResponseSchema.parse(badSchema.body).response, null)

    const notJson = await fetch(`${url}${CREATE_PACKET_PATH}`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain', ...withToken(token) },
      body: 'hello'
    })
    assert.equal(notJson.status, 415)
  })

  it('accepts a bad date in createPacket and rejects the registration during processing', async () => {
    const token = await login()
    const id = freshId()
    const request = sampleCreatePacketRequest({ id })
    request.request.fields.dateOfBirth = '2025-03-14'
    assert.equal((await createPacket(token, request)).status, 200)
    assert.equal(core.packets.get(id)?.validationIssues.length, 1)
    const started = await send('POST', WORKFLOW_PATH, workflowBody(id), withToken(token))
    assert.ok(mosipWorkflowInstanceResponseSchema.parse(started.body).response?.workflowInstanceId)
    const event = await waitFor('the workflow-completed event', () => completedEventFor(id))
    assert.deepEqual(mosipWorkflowCompletedEventSchema.parse(event), {
      instanceId: id,
      resultCode: 'REJECTED',
      workflowType: 'CRVS_NEW',
      errorCode: 'PACKET_REJECTED'
    })
    assert.equal(await externalStatus(token, id), 'REJECTED')
  })

  it('rejects during processing a packet lacking a mandatory language, as ID validation does', async () => {
    core.packets.setIdValidation({ mandatoryLanguages: ['eng', 'ara'] })
    try {
      const token = await login()
      const oneLanguage = freshId()
      assert.equal(
        (await createPacket(token, sampleCreatePacketRequest({ id: oneLanguage }))).status,
        200
      )
      const issues = core.packets.get(oneLanguage)?.validationIssues ?? []
      assert.ok(issues.includes('fullName: no value in mandatory language ara'), issues.join('; '))
      await send('POST', WORKFLOW_PATH, workflowBody(oneLanguage), withToken(token))
      const event = await waitFor('the workflow-completed event', () =>
        completedEventFor(oneLanguage)
      )
      assert.equal((event as { resultCode: string }).resultCode, 'REJECTED')
      assert.equal(await externalStatus(token, oneLanguage), 'REJECTED')

      const both = freshId()
      const request = sampleCreatePacketRequest({ id: both })
      for (const [name, value] of Object.entries(request.request.fields)) {
        if (!value.startsWith('[')) continue
        const [entry] = JSON.parse(value) as Array<{ value: string }>
        request.request.fields[name] = JSON.stringify([
          { language: 'eng', value: entry!.value },
          { language: 'ara', value: entry!.value }
        ])
      }
      assert.equal((await createPacket(token, request)).status, 200)
      assert.deepEqual(core.packets.get(both)?.validationIssues, [])

      const extra = freshId()
      const french = sampleCreatePacketRequest({ id: extra })
      french.request.fields.gender =
        '[{"language":"eng","value":"Male"},{"language":"ara","value":"Male"},{"language":"fra","value":"Homme"}]'
      assert.equal((await createPacket(token, french)).status, 200)
      assert.ok(
        core.packets.get(extra)?.validationIssues.includes('gender: language fra is not supported')
      )
    } finally {
      core.packets.setIdValidation({ mandatoryLanguages: ['eng'] })
    }
  })

  it('keeps documents as the packet manager does and checks them in ID validation', async () => {
    const token = await login()
    const pdf = Buffer.from('%PDF-1.4 proof of birth').toString('base64')
    const document = (extra: Record<string, unknown> = {}) => ({
      document: pdf,
      value: 'proofOfDateOfBirth',
      type: 'NOTIFICATION_OF_BIRTH',
      format: 'pdf',
      refNumber: null,
      ...extra
    })
    const withDocuments = (documents: Record<string, unknown>) => {
      const request = sampleCreatePacketRequest({ id: freshId() }) as unknown as {
        request: { id: string; documents?: unknown }
      }
      request.request.documents = documents
      return request
    }

    const good = withDocuments({ proofOfDateOfBirth: document(), proofOfUnknown: document() })
    assert.equal((await send('PUT', CREATE_PACKET_PATH, good, withToken(token))).status, 200)
    const packet = core.packets.get(good.request.id)
    assert.deepEqual(packet?.validationIssues, [])
    assert.equal(packet?.documents.proofOfDateOfBirth?.content, pdf)
    assert.deepEqual(packet?.droppedDocuments, ['proofOfUnknown'])
    assert.deepEqual(packet?.identity.proofOfDateOfBirth, {
      value: 'proofOfDateOfBirth',
      type: 'NOTIFICATION_OF_BIRTH',
      format: 'pdf',
      refNumber: null
    })

    const notBase64 = withDocuments({ proofOfDateOfBirth: document({ document: '%%%' }) })
    assert.equal((await send('PUT', CREATE_PACKET_PATH, notBase64, withToken(token))).status, 400)

    const badFormat = withDocuments({ proofOfDateOfBirth: document({ format: 'exe' }) })
    await send('PUT', CREATE_PACKET_PATH, badFormat, withToken(token))
    assert.deepEqual(core.packets.get(badFormat.request.id)?.validationIssues, [
      'proofOfDateOfBirth: document format "exe" is not allowed'
    ])

    core.packets.setIdValidation({ requiredDocuments: ['proofOfDateOfBirth'] })
    try {
      const missing = withDocuments({})
      await send('PUT', CREATE_PACKET_PATH, missing, withToken(token))
      assert.deepEqual(core.packets.get(missing.request.id)?.validationIssues, [
        'proofOfDateOfBirth: required document missing'
      ])
    } finally {
      core.packets.setIdValidation({ requiredDocuments: [] })
    }
  })

  it('reports every failure as HTTP 200 with errors[] when asked to', async () => {
    core.packets.setFailureReporting('reported')
    try {
      const token = await login()
      const codeOf = async (request: unknown): Promise<string | undefined> => {
        const answer = await send('PUT', CREATE_PACKET_PATH, request, withToken(token))
        assert.equal(answer.status, 200)
        const body = mosipCreatePacketResponseSchema.parse(answer.body)
        assert.equal(body.response, null)
        return body.errors?.[0]?.errorCode
      }
      const nonString = sampleCreatePacketRequest({ id: freshId() }) as unknown as {
        request: { fields: Record<string, unknown> }
      }
      nonString.request.fields.gender = { language: 'eng', value: 'Male' }
      assert.equal(await codeOf(nonString), 'KER-KPM-007')
      assert.equal(
        await codeOf(sampleCreatePacketRequest({ id: freshId(), audits: [] })),
        'KER-KPM-008'
      )
      const badDate = sampleCreatePacketRequest({ id: freshId() })
      badDate.request.fields.dateOfBirth = '14/03/2025'
      assert.equal(await codeOf(badDate), 'KER-PUT-020')
      assert.equal(
        await codeOf(sampleCreatePacketRequest({ id: freshId(), schemaJson: 'x' })),
        'KER-KPM-002'
      )
      assert.equal(
        await codeOf(sampleCreatePacketRequest({ id: freshId(), process: 'NOPE' })),
        'KER-PUT-006'
      )
    } finally {
      core.packets.setFailureReporting('as-mosip')
    }
  })

  it('answers 200 with response null and no error when the null-response fault is on', async () => {
    const token = await login()
    const id = freshId()
    core.packets.nullResponseNext(1)
    const first = await createPacket(token, sampleCreatePacketRequest({ id }))
    assert.equal(first.status, 200)
    const body = mosipCreatePacketResponseSchema.parse(first.body)
    assert.equal(body.response, null)
    assert.deepEqual(body.errors, [])
    assert.equal(core.packets.has(id), false)
    const second = await createPacket(token, sampleCreatePacketRequest({ id }))
    assert.equal(mosipCreatePacketResponseSchema.parse(second.body).response?.length, 3)
  })

  it('starts a workflow only for an existing packet, once per (registrationId, process)', async () => {
    const token = await login()
    const id = freshId()
    const early = await send('POST', WORKFLOW_PATH, workflowBody(id), withToken(token))
    assert.equal(early.status, 200)
    const earlyBody = mosipWorkflowInstanceResponseSchema.parse(early.body)
    assert.equal(earlyBody.response, null)
    assert.equal(earlyBody.errors?.[0]?.errorCode, 'RPR-WIS-000')

    assert.equal((await createPacket(token, sampleCreatePacketRequest({ id }))).status, 200)
    const started = await send('POST', WORKFLOW_PATH, workflowBody(id), withToken(token))
    assert.equal(started.status, 200)
    assert.equal(started.headers.get('access-control-allow-origin'), '*')
    const startedBody = mosipWorkflowInstanceResponseSchema.parse(started.body)
    assert.equal(startedBody.id, 'mosip.registration.processor.workflow.instance')
    assert.equal(startedBody.errors, null)
    assert.match(startedBody.response?.workflowInstanceId ?? '', /^[0-9a-f-]{36}$/)

    const again = await send('POST', WORKFLOW_PATH, workflowBody(id), withToken(token))
    assert.equal(again.status, 200)
    assert.deepEqual(mosipWorkflowInstanceResponseSchema.parse(again.body).errors, [
      { errorCode: 'RPR-WIS-001', message: 'WorkflowInstance already present' }
    ])

    const invalid = async (change: Record<string, unknown>): Promise<unknown> => {
      const answer = await send(
        'POST',
        WORKFLOW_PATH,
        { ...workflowBody(freshId()), ...change },
        withToken(token)
      )
      return mosipWorkflowInstanceResponseSchema.parse(answer.body).errors?.[0]
    }
    assert.deepEqual(await invalid({ id: 'mosip.registration.processor.workflow.instance2' }), {
      errorCode: 'RPR-WIN-001',
      message: 'Invalid Request Value - id'
    })
    assert.deepEqual(await invalid({ version: null }), {
      errorCode: 'RPR-WIN-000',
      message: 'Missing Request Value - version'
    })
    assert.deepEqual(await invalid({ requesttime: '2025-04-17T07:30:02Z' }), {
      errorCode: 'RPR-WIN-001',
      message: 'Invalid Request Value - requesttime'
    })
    assert.equal((await send('POST', WORKFLOW_PATH, workflowBody(id), {})).status, 401)
  })

  it('reports mapped statuses over time on both status APIs', async () => {
    const token = await login()
    const ok = freshId()
    const rejected = freshId()
    const failed = freshId()
    core.pipeline.setOutcome(rejected, 'rejected')
    core.pipeline.setOutcome(failed, 'failed')
    core.pipeline.pause()
    for (const id of [ok, rejected, failed]) {
      assert.equal((await createPacket(token, sampleCreatePacketRequest({ id }))).status, 200)
      assert.equal(
        (await send('POST', WORKFLOW_PATH, workflowBody(id), withToken(token))).status,
        200
      )
    }
    assert.equal(core.registrations.get(ok)?.statusCode, 'RESUMABLE')
    assert.equal(await externalStatus(token, ok), 'PROCESSING')
    assert.equal(await searchStatus(token, ok), 'PROCESSING')

    const unknown = freshId()
    const mixed = await statuses(token, SEARCH_PATH, [ok, unknown], 'mosip.registration.status')
    assert.equal(mixed.id, 'mosip.registration.status')
    assert.deepEqual(mixed.response, [
      { registrationId: ok, statusCode: 'PROCESSING', additionalInfoReqId: null }
    ])
    assert.deepEqual(mixed.errors, [
      { registrationId: unknown, errorCode: 'RPR-RGS-031', errorMessage: 'RID Not Found' }
    ])

    core.pipeline.resume()
    await waitFor('UIN_GENERATED', async () =>
      (await externalStatus(token, ok)) === 'UIN_GENERATED' ? true : undefined
    )
    assert.equal(await searchStatus(token, ok), 'PROCESSED')
    await waitFor('REJECTED', async () =>
      (await externalStatus(token, rejected)) === 'REJECTED' ? true : undefined
    )
    assert.equal(await searchStatus(token, rejected), 'PROCESSED', '/search collapses REJECTED')
    await waitFor('REREGISTER', async () =>
      (await externalStatus(token, failed)) === 'REREGISTER' ? true : undefined
    )
    assert.equal(await searchStatus(token, failed), 'PROCESSED', '/search collapses REREGISTER')
    assert.equal(completedEventFor(failed)?.errorCode, 'PACKET_FAILED')
    const history = core.registrations.get(ok)?.history.map((entry) => entry.statusCode) ?? []
    assert.deepEqual([history[0], history.at(-1)], ['RESUMABLE', 'PROCESSED'])
    assert.ok(history.includes('PROCESSING'))

    const wrongId = await send(
      'POST',
      SEARCH_PATH,
      statusBody([ok], 'mosip.registration.external.status'),
      withToken(token)
    )
    assert.deepEqual(
      mosipStatusSearchResponseSchema.parse(wrongId.body).errors?.map((error) => error.errorCode),
      ['RPR-RGS-015', 'RPR-RGS-024']
    )
    const stale = {
      ...statusBody([ok]),
      requesttime: new Date(Date.now() - 4 * 3600_000).toISOString()
    }
    const staleAnswer = await send('POST', SEARCH_PATH, stale, withToken(token))
    assert.deepEqual(
      mosipStatusSearchResponseSchema
        .parse(staleAnswer.body)
        .errors?.map((error) => error.errorCode),
      ['RPR-RGS-015', 'RPR-RGS-023']
    )
    assert.equal((await send('POST', EXTERNAL_SEARCH_PATH, statusBody([ok]), {})).status, 401)
  })

  it('exposes state and faults on the /_sim/mosip control API', async () => {
    const token = await login()
    const control = (path: string, init: RequestInit = {}): Promise<Response> =>
      fetch(`${url}/_sim/mosip${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', ...(init.headers ?? {}) }
      })
    const id = freshId()
    assert.equal((await control(`/packets/${id}`)).status, 404)
    const faults = await control('/faults', {
      method: 'POST',
      body: JSON.stringify({ nullResponseNext: 1 })
    })
    assert.equal(faults.status, 200)
    const nulled = await createPacket(token, sampleCreatePacketRequest({ id }))
    assert.equal(mosipCreatePacketResponseSchema.parse(nulled.body).response, null)
    assert.equal((await createPacket(token, sampleCreatePacketRequest({ id }))).status, 200)
    const packet = (await (await control(`/packets/${id}`)).json()) as {
      id: string
      process: string
    }
    assert.deepEqual([packet.id, packet.process], [id, 'CRVS_NEW'])

    const bad = await control('/outcomes', {
      method: 'PUT',
      body: JSON.stringify({ outcome: 'maybe' })
    })
    assert.equal(bad.status, 400)
    const set = await control('/outcomes', {
      method: 'PUT',
      body: JSON.stringify({ registrationId: id, outcome: 'failed' })
    })
    assert.equal(set.status, 200)
    assert.equal(
      (await send('POST', WORKFLOW_PATH, workflowBody(id), withToken(token))).status,
      200
    )
    await waitFor('the workflow-completed event', () => completedEventFor(id))
    const record = (await (await control(`/registrations/${id}`)).json()) as { statusCode: string }
    assert.equal(record.statusCode, 'FAILED')

    const keystore = await control('/partner/keystore', {
      method: 'POST',
      body: JSON.stringify({ password: 'mosip123' })
    })
    assert.equal(keystore.headers.get('content-type'), 'application/x-pkcs12')
    assert.ok(Buffer.from(await keystore.arrayBuffer()).length > 1000)
    const certificate = await (await control('/partner/certificate')).text()
    assert.match(certificate, /^-----BEGIN CERTIFICATE-----/)
    assert.equal(sim.requests().filter((entry) => entry.url.startsWith('/_sim/')).length, 0)
  })

  /** createPacket and workflowinstance for a fresh id of `process`; returns the id. */
  /** A person MOSIP registered before: deaths and updates name them. */
  const known = core.identities.add({
    uin: '4715392806',
    vids: ['5180273946152039'],
    fields: { fullName: simpleTypeValue('Grace Mumba'), dateOfBirth: '1961/02/03' }
  })

  async function submit(
    token: string,
    process = 'CRVS_NEW',
    id = freshId(),
    fields = process === 'CRVS_NEW'
      ? sampleBirthFields()
      : { ...sampleBirthFields(), UIN: known.uin }
  ): Promise<string> {
    const request = sampleCreatePacketRequest({ id, process, fields })
    assert.equal((await createPacket(token, request)).status, 200)
    const started = await send('POST', WORKFLOW_PATH, workflowBody(id, process), withToken(token))
    assert.ok(mosipWorkflowInstanceResponseSchema.parse(started.body).response?.workflowInstanceId)
    return id
  }

  function credentialsFor(registrationId: string): unknown[] {
    return published.filter(
      (entry) =>
        entry.topic.endsWith('/CREDENTIAL_ISSUED') &&
        (entry.event as { event?: { data?: { registrationId?: string } } }).event?.data
          ?.registrationId === registrationId
    )
  }

  it('processes a registration without publishing a credential, per id or per process', async () => {
    const token = await login()
    const noCredential = freshId()
    core.pipeline.setOutcome(noCredential, 'uin-no-credential')
    await submit(token, 'CRVS_NEW', noCredential)
    const withCredential = await submit(token)
    await waitFor('the other credential', () => credentialsFor(withCredential).length === 1)
    assert.deepEqual(completedEventFor(noCredential), {
      instanceId: noCredential,
      resultCode: 'PROCESSED',
      workflowType: 'CRVS_NEW',
      errorCode: null
    })
    assert.equal(await externalStatus(token, noCredential), 'UIN_GENERATED')
    assert.equal(await searchStatus(token, noCredential), 'PROCESSED')
    assert.deepEqual(credentialsFor(noCredential), [])
    assert.equal(core.registrations.get(noCredential)?.credentialIssuedAt, undefined)
    assert.ok(core.registrations.get(noCredential)?.uin)

    core.pipeline.setCredentialFor('CRVS_UPDATE', false)
    try {
      const update = await submit(token, 'CRVS_UPDATE')
      await waitFor('the update processed', () => completedEventFor(update))
      assert.equal(completedEventFor(update)?.resultCode, 'PROCESSED')
      assert.equal(await externalStatus(token, update), 'UIN_GENERATED')
      const birth = await submit(token)
      await waitFor('births still get credentials', () => credentialsFor(birth).length === 1)
      assert.deepEqual(credentialsFor(update), [])
      assert.deepEqual(core.pipeline.credentialSettings(), { CRVS_UPDATE: false })
    } finally {
      core.pipeline.setCredentialFor('CRVS_UPDATE', true)
    }
  })

  it('reports RESEND for a failed packet upload and REREGISTER for other failures', async () => {
    const token = await login()
    const resend = freshId()
    const reregister = freshId()
    core.pipeline.setOutcome(resend, 'resend')
    core.pipeline.setOutcome(reregister, 'failed')
    await submit(token, 'CRVS_NEW', resend)
    await submit(token, 'CRVS_NEW', reregister)
    await waitFor(
      'both completed',
      () => completedEventFor(resend) && completedEventFor(reregister)
    )
    assert.deepEqual(completedEventFor(resend), {
      instanceId: resend,
      resultCode: 'FAILED',
      workflowType: 'CRVS_NEW',
      errorCode: 'PACKET_FAILED'
    })
    const answer = await statuses(
      token,
      EXTERNAL_SEARCH_PATH,
      [resend, reregister],
      'mosip.registration.external.status'
    )
    assert.deepEqual(
      answer.response?.map((entry) => [entry.registrationId, entry.statusCode]),
      [
        [resend, 'RESEND'],
        [reregister, 'REREGISTER']
      ]
    )
    // RESEND is not among the statuses /search considers processed.
    assert.equal(await searchStatus(token, resend), 'RESEND')
    assert.equal(await searchStatus(token, reregister), 'PROCESSED')
    assert.deepEqual(credentialsFor(resend), [])
  })

  it('keeps a registration PROCESSING until another outcome is set for it', async () => {
    const token = await login()
    const held = freshId()
    core.pipeline.setOutcome(held, 'processing')
    await submit(token, 'CRVS_NEW', held)
    const other = await submit(token)
    await waitFor('the other one completes', () => completedEventFor(other))
    assert.equal(core.registrations.get(held)?.statusCode, 'PROCESSING')
    assert.equal(await externalStatus(token, held), 'PROCESSING')
    assert.equal(await searchStatus(token, held), 'PROCESSING')
    assert.equal(completedEventFor(held), undefined)

    core.pipeline.setOutcome(held, 'rejected')
    await waitFor('rejected once released', () => completedEventFor(held))
    assert.equal(completedEventFor(held)?.resultCode, 'REJECTED')
    assert.equal(await externalStatus(token, held), 'REJECTED')
    assert.equal(await searchStatus(token, held), 'PROCESSED')
  })

  it('forgets a registration: RPR-RGS-031 from then on, nothing more published, taken again as new', async () => {
    const token = await login()
    const lost = freshId()
    core.pipeline.setOutcome(lost, 'processing')
    await submit(token, 'CRVS_NEW', lost)
    await waitFor('in processing', () => core.registrations.get(lost)?.statusCode === 'PROCESSING')
    const forget = await fetch(`${url}/_sim/mosip/registrations/${lost}`, { method: 'DELETE' })
    assert.equal(forget.status, 200)
    assert.equal(
      (await fetch(`${url}/_sim/mosip/registrations/${lost}`, { method: 'DELETE' })).status,
      404
    )
    assert.equal(core.packets.has(lost), false)
    const answer = await statuses(
      token,
      EXTERNAL_SEARCH_PATH,
      [lost],
      'mosip.registration.external.status'
    )
    assert.deepEqual(answer.response, [])
    assert.equal(answer.errors?.[0]?.errorCode, 'RPR-RGS-031')
    // Its held processing does not resume when outcomes change.
    core.pipeline.clearOutcome(lost)
    const other = await submit(token)
    await waitFor('another registration completes', () => credentialsFor(other).length === 1)
    assert.equal(completedEventFor(lost), undefined)
    // Submitted again under the same id, it is processed as a new registration.
    await submit(token, 'CRVS_NEW', lost)
    await waitFor('the resubmission credential', () => credentialsFor(lost).length === 1)
    assert.equal(await externalStatus(token, lost), 'UIN_GENERATED')
  })

  it('rejects a death or an update that names no identity of the ID repository', async () => {
    const token = await login()
    const death = { deathDeclared: 'yes', dateOfDeath: '2026/01/02' }
    const unknownUin = await submit(token, 'CRVS_DEATH', freshId(), { UIN: '2957381046', ...death })
    const noUin = await submit(token, 'CRVS_DEATH', freshId(), death)
    const unknownVid = await submit(token, 'CRVS_UPDATE', freshId(), {
      VID: '6182735940152867',
      fullName: simpleTypeValue('Grace M. Mumba')
    })
    const byVid = await submit(token, 'CRVS_DEATH', freshId(), { VID: known.vids[0]!, ...death })
    await waitFor('the four workflows to complete', () =>
      [unknownUin, noUin, unknownVid, byVid].every((id) => completedEventFor(id) !== undefined)
    )
    const expected = [
      [unknownUin, 'CRVS_DEATH', 'RPR-PKV-FAL-008', 'UIN is Not Found in ID Repository'],
      [noUin, 'CRVS_DEATH', 'RPR-PVM-012', 'Invalid UIN'],
      [unknownVid, 'CRVS_UPDATE', 'RPR-PKV-FAL-008', 'UIN is Not Found in ID Repository']
    ] as const
    for (const [id, process, subStatusCode, comment] of expected) {
      assert.deepEqual(completedEventFor(id), {
        instanceId: id,
        resultCode: 'REJECTED',
        workflowType: process,
        errorCode: 'PACKET_REJECTED'
      })
      assert.equal(await externalStatus(token, id), 'REJECTED')
      const record = core.registrations.get(id)
      assert.equal(record?.stage, 'PacketValidatorStage', 'rejected by packet validation')
      assert.equal(record?.subStatusCode, subStatusCode)
      assert.equal(record?.statusComment, comment)
      assert.equal(record?.uin, undefined)
      assert.deepEqual(credentialsFor(id), [])
    }
    assert.equal(core.identities.get('2957381046'), undefined, 'no identity was made up')
    assert.equal(core.identities.get('6182735940152867'), undefined)

    // A VID of an identity the ID repository holds names it as well as its UIN.
    assert.equal(completedEventFor(byVid)?.resultCode, 'PROCESSED')
    assert.equal(core.registrations.get(byVid)?.uin, known.uin)
    assert.equal(known.deceased, true, 'MOSIP flags the person deceased')
    assert.equal(known.status, 'ACTIVATED', 'and keeps the UIN active')
  })

  it("requires the schema's required fields of new registrations only, as MOSIP's ID validation", async () => {
    const token = await login()
    const { fullName: _fullName, addressLine1: _address, ...partial } = sampleBirthFields()
    const missingFields = [
      'KER-IOV-005 Missing Input Parameter - identity/fullName',
      'KER-IOV-005 Missing Input Parameter - identity/addressLine1'
    ]
    const birth = await submit(token, 'CRVS_NEW', freshId(), partial)
    assert.deepEqual(core.packets.get(birth)?.validationIssues, missingFields)
    const death = await submit(token, 'CRVS_DEATH', freshId(), {
      UIN: known.uin,
      deathDeclared: 'yes',
      dateOfDeath: '2026/01/02'
    })
    const update = await submit(token, 'CRVS_UPDATE', freshId(), {
      VID: known.vids[0]!,
      fullName: simpleTypeValue('Grace M. Mumba')
    })
    for (const id of [death, update])
      assert.deepEqual(core.packets.get(id)?.validationIssues, [], 'only what changed is sent')
    await waitFor('the three workflows to complete', () =>
      [birth, death, update].every((id) => completedEventFor(id) !== undefined)
    )
    assert.equal(completedEventFor(birth)?.resultCode, 'REJECTED')
    assert.equal(completedEventFor(birth)?.errorCode, 'PACKET_REJECTED')
    assert.equal(core.registrations.get(birth)?.subStatusCode, 'RPR-PKV-FAL-012')
    assert.equal(
      core.registrations.get(birth)?.statusComment,
      `Packet validation failed in packet manager: ${missingFields.join('; ')}`
    )
    assert.deepEqual(credentialsFor(birth), [])
    assert.equal(completedEventFor(death)?.resultCode, 'PROCESSED')
    assert.equal(completedEventFor(update)?.resultCode, 'PROCESSED')
    assert.equal(known.fields.fullName, simpleTypeValue('Grace M. Mumba'))

    // Reported at once when the packet manager is set to report its failures.
    core.packets.setFailureReporting('reported')
    try {
      const answer = mosipCreatePacketResponseSchema.parse(
        (await createPacket(token, sampleCreatePacketRequest({ id: freshId(), fields: partial })))
          .body
      )
      assert.equal(answer.response, null)
      assert.equal(answer.errors?.[0]?.errorCode, 'KER-PUT-020')
      assert.match(
        answer.errors?.[0]?.message ?? '',
        /KER-IOV-005 Missing Input Parameter - identity\/fullName/
      )
    } finally {
      core.packets.setFailureReporting('as-mosip')
    }

    // A deployment may require more of its deaths: the schema's fields it lists.
    const control = (body: unknown) =>
      fetch(`${url}/_sim/mosip/id-validation`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })
    const set = await control({
      mandatoryAttributes: { CRVS_NEW: 'schema', CRVS_DEATH: ['fullName', 'dateOfDeath'] }
    })
    assert.equal(set.status, 200)
    try {
      const strictDeath = await submit(token, 'CRVS_DEATH', freshId(), {
        UIN: known.uin,
        deathDeclared: 'yes',
        dateOfDeath: '2026/01/02'
      })
      // dateOfDeath is not in the schema's required list, so only fullName is missing.
      assert.deepEqual(core.packets.get(strictDeath)?.validationIssues, [missingFields[0]])
      const invalid = await control({ mandatoryAttributes: { CRVS_DEATH: 'everything' } })
      assert.equal(invalid.status, 400)
    } finally {
      await control({ mandatoryAttributes: { CRVS_NEW: 'schema', NEW: 'schema' } })
    }
  })

  it('applies a process outcome to the next registrations only when given times', async () => {
    const token = await login()
    core.pipeline.setProcessOutcome('CRVS_DEATH', 'rejected', 2)
    try {
      const ids = [await submit(token, 'CRVS_DEATH'), await submit(token, 'CRVS_DEATH')]
      const third = await submit(token, 'CRVS_DEATH')
      await waitFor('all three completed', () =>
        [...ids, third].every((id) => completedEventFor(id) !== undefined)
      )
      assert.deepEqual(
        [...ids, third].map((id) => completedEventFor(id)?.resultCode),
        ['REJECTED', 'REJECTED', 'PROCESSED']
      )
    } finally {
      core.pipeline.clearOutcomes()
    }
  })

  it('sets the new outcomes and credentialFor over the control API', async () => {
    const token = await login()
    const control = (path: string, method: string, body?: unknown): Promise<Response> =>
      fetch(`${url}/_sim/mosip${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
    const zero = await control('/outcomes', 'PUT', {
      process: 'CRVS_NEW',
      outcome: 'uin',
      times: 0
    })
    assert.equal(zero.status, 400)
    const set = await control('/outcomes', 'PUT', {
      process: 'CRVS_NEW',
      outcome: 'uin-no-credential',
      times: 1
    })
    assert.equal(set.status, 200)
    const first = await submit(token)
    const second = await submit(token)
    await waitFor('the second credential', () => credentialsFor(second).length === 1)
    assert.equal(completedEventFor(first)?.resultCode, 'PROCESSED')
    assert.deepEqual(credentialsFor(first), [])

    const pipeline = await control('/pipeline', 'PUT', { credentialFor: { CRVS_NEW: false } })
    assert.equal(pipeline.status, 200)
    const third = await submit(token)
    await waitFor('processed', () => completedEventFor(third))
    assert.equal(
      (await control('/pipeline', 'PUT', { credentialFor: { CRVS_NEW: true } })).status,
      200
    )
    const held = freshId()
    assert.equal(
      (await control('/outcomes', 'PUT', { registrationId: held, outcome: 'processing' })).status,
      200
    )
    await submit(token, 'CRVS_NEW', held)
    await waitFor(
      'held in processing',
      () => core.registrations.get(held)?.statusCode === 'PROCESSING'
    )
    assert.equal((await control('/outcomes', 'DELETE')).status, 200)
    await waitFor('released with a credential', () => credentialsFor(held).length === 1)
    assert.deepEqual(credentialsFor(third), [])
  })

  it('reads only the first 100 ids on /search and checks id, version and requesttime', async () => {
    const token = await login()
    const ids = Array.from({ length: 101 }, () => freshId())
    const search = await statuses(token, SEARCH_PATH, ids, 'mosip.registration.status')
    assert.deepEqual(search.response, [])
    assert.deepEqual(
      search.errors?.map((error) => error.registrationId),
      ids.slice(0, 100)
    )
    assert.deepEqual(search.errors?.[0], {
      registrationId: ids[0],
      errorCode: 'RPR-RGS-031',
      errorMessage: 'RID Not Found'
    })
    const codes = async (path: string, change: Record<string, unknown>): Promise<unknown> => {
      const body = { ...statusBody([ids[0] ?? '']), ...change }
      const answer = await send('POST', path, body, withToken(token))
      assert.equal(answer.status, 200)
      return mosipStatusSearchResponseSchema.parse(answer.body).errors?.map((e) => e.errorCode)
    }
    assert.deepEqual(await codes(SEARCH_PATH, { version: '1.1' }), ['RPR-RGS-015', 'RPR-RGS-022'])
    assert.deepEqual(await codes(SEARCH_PATH, { version: undefined }), [
      'RPR-RGS-015',
      'RPR-RGS-019'
    ])
    assert.deepEqual(
      await codes(SEARCH_PATH, { requesttime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }),
      ['RPR-RGS-015', 'RPR-RGS-023']
    )
    assert.deepEqual(
      await codes(EXTERNAL_SEARCH_PATH, {
        id: 'mosip.registration.external.status',
        requesttime: new Date(Date.now() + 4 * 3600_000).toISOString()
      }),
      ['RPR-RGS-015', 'RPR-RGS-023']
    )
  })
})
