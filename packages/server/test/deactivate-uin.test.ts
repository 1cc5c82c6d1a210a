/**
 * UIN deactivation on death (MOSIP_DEACTIVATE_UIN_ON_DEATH): the ID repository client against
 * the simulated MOSIP on a real socket, then the deactivate-uin job queued with a death's
 * confirmation, on a real database and job queue (SQLite and PostgreSQL).
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import pino from 'pino'
import { waitFor } from '@mosip-bridge/test-support'
import { createMosipSimulator, type MosipSimulator } from '@mosip-bridge/simulators'
import { ok, permanent, retry, type Outcome } from '../src/core/outcome.js'
import type { MosipIdentityGateway } from '../src/core/ports.js'
import { MosipIdRepositoryClient } from '../src/integrations/mosip/id-repository.client.js'
import { deceasedUinOf } from '../src/core/deceased-uin.js'
import { loadConfig } from '../src/config/index.js'
import { DIALECTS, dialectSuiteOptions } from './helpers/databases.js'
import {
  DECEASED_UIN,
  createPipelineHarness,
  type PipelineHarness
} from './helpers/pipeline-harness.js'
import { CALL_TIMEOUT_MS } from './helpers/mosip-auth-manager.js'
import { packetClientTokens, submitBirthPacket } from './helpers/simulated-mosip.js'

describe('deceasedUinOf', () => {
  it('reads UIN, then nationalIdNumber, and nothing else', () => {
    assert.equal(deceasedUinOf({ UIN: ' 123 ', nationalIdNumber: '456' }), '123')
    assert.equal(deceasedUinOf({ nationalIdNumber: '456' }), '456')
    assert.equal(deceasedUinOf({ VID: '789', UIN: '' }), undefined)
    assert.equal(deceasedUinOf(undefined), undefined)
  })
})

describe('the settings of UIN deactivation', () => {
  it('is off by default, with the URL and client derived from the packet settings', () => {
    const result = loadConfig({
      MOSIP_CREATE_PACKET_URL: 'https://mosip.example.org/gw/createPacket'
    })
    assert.ok(result.ok)
    const { idRepository, packetClient } = result.config.mosip
    assert.equal(idRepository.deactivateUinOnDeath, false)
    assert.equal(idRepository.url, 'https://mosip.example.org/idrepository/v1/identity/')
    assert.deepEqual(idRepository.client, packetClient)
  })

  it('takes its own URL and client, both halves of the client or neither', () => {
    const result = loadConfig({
      MOSIP_DEACTIVATE_UIN_ON_DEATH: 'true',
      MOSIP_IDREPO_URL: 'https://idrepo.example.org/idrepository/v1/identity/',
      MOSIP_IDREPO_AUTH_CLIENT_ID: 'idrepo-client',
      MOSIP_IDREPO_AUTH_CLIENT_SECRET: 'idrepo-secret'
    })
    assert.ok(result.ok)
    assert.deepEqual(result.config.mosip.idRepository, {
      deactivateUinOnDeath: true,
      url: 'https://idrepo.example.org/idrepository/v1/identity/',
      client: { clientId: 'idrepo-client', clientSecret: 'idrepo-secret' }
    })
    const half = loadConfig({ MOSIP_IDREPO_AUTH_CLIENT_ID: 'idrepo-client' })
    assert.equal(half.ok, false)
    assert.deepEqual(half.ok ? [] : half.problems.map((problem) => problem.variable), [
      'MOSIP_IDREPO_AUTH_CLIENT_SECRET'
    ])
  })
})

describe('MosipIdRepositoryClient against the simulated MOSIP', () => {
  let mosip: MosipSimulator

  before(async () => {
    mosip = await createMosipSimulator({ stepDelayMs: 5 })
  })
  after(() => mosip.close())

  const idRepository = () =>
    new MosipIdRepositoryClient({
      url: `${mosip.url}/idrepository/v1/identity/`,
      tokens: packetClientTokens(mosip),
      schemaVersion: '0.500',
      timeoutMs: CALL_TIMEOUT_MS
    })

  /** A birth processed by the simulated MOSIP: its new identity's UIN. */
  async function issuedUin(registrationId: string): Promise<string> {
    await submitBirthPacket(mosip, registrationId)
    await waitFor('the identity', async () =>
      mosip.core.pipeline
        .listIdentities()
        .some((identity) => identity.registrationIds.includes(registrationId))
    )
    return mosip.core.pipeline
      .listIdentities()
      .find((identity) => identity.registrationIds.includes(registrationId))!.uin
  }

  it('deactivates an identity with MOSIP request shape, and again changes nothing', async () => {
    const uin = await issuedUin('100017000000101')
    mosip.sim.clearRequests()
    const first = await idRepository().deactivate({ uin, registrationId: '100017000000102' })
    assert.deepEqual(first, ok(undefined))
    const [request] = mosip.sim.requests('id-repository')
    assert.equal(request?.method, 'PATCH')
    const body = JSON.parse(request?.body ?? '{}') as Record<string, unknown>
    assert.equal(body.id, 'mosip.id.update')
    assert.equal(body.version, 'v1.0')
    assert.match(String(body.requesttime), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.deepEqual(body.request, {
      registrationId: '100017000000102',
      status: 'DEACTIVATED',
      identity: { IDSchemaVersion: 0.5, UIN: uin }
    })
    const identity = mosip.core.pipeline.identity(uin)!
    assert.equal(identity.status, 'DEACTIVATED')

    const second = await idRepository().deactivate({ uin, registrationId: '100017000000102' })
    assert.deepEqual(second, ok(undefined), 'an identity already deactivated is done')
    assert.equal(identity.statusChanges.length, 1, 'the status changed once')
  })

  it('reports an unknown UIN as permanent (IDR-IDC-007) without naming the UIN', async () => {
    const outcome = await idRepository().deactivate({
      uin: '9990001117',
      registrationId: '100017000000103'
    })
    assert.equal(outcome.kind, 'permanent')
    assert.equal(outcome.kind === 'permanent' && outcome.code, 'IDR-IDC-007')
    assert.doesNotMatch(JSON.stringify(outcome), /9990001117/)
  })

  it('waits out an ID repository that is down', async () => {
    mosip.sim.setFaults('id-repository', { errorRate: 1, errorStatus: 503 })
    try {
      const outcome = await idRepository().deactivate({
        uin: '9990001117',
        registrationId: '100017000000104'
      })
      assert.equal(outcome.kind, 'retry')
    } finally {
      mosip.sim.clearFaults()
    }
  })
})

/** An ID repository that answers from a script and counts what it was asked. */
class ScriptedIdRepository implements MosipIdentityGateway {
  readonly calls: Array<{ uin: string; registrationId: string }> = []
  answers: Array<Outcome<void>> = []
  async deactivate(input: { uin: string; registrationId: string }): Promise<Outcome<void>> {
    this.calls.push(input)
    return this.answers.shift() ?? ok(undefined)
  }
}

/** A log sink: every line the jobs and runners write, as text. */
function capturedLogs(): { logger: pino.Logger; text: () => string } {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'))
      done()
    }
  })
  return { logger: pino({ level: 'trace' }, sink), text: () => lines.join('') }
}

for (const dialect of DIALECTS) {
  describe(`the deactivate-uin job on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let h: PipelineHarness | undefined
    afterEach(async () => {
      await h?.drop()
      h = undefined
    })

    const stateOf = async (id: string) => (await h!.registrations.get(id))?.state
    const reasonsOf = async (id: string) =>
      (await h!.registrations.history(id)).map((entry) => entry.reason)

    /** A death submitted, processed by MOSIP (workflow event) and confirmed in OpenCRVS. */
    async function confirmedDeath(id: string): Promise<void> {
      await h!.register(id, 'death')
      await waitFor('the submission', async () => (await stateOf(id)) === 'submitted')
      await h!.deliverWorkflowEvent(id, 'PROCESSED', 'CRVS_DEATH')
      await waitFor('the confirmation', async () => (await stateOf(id)) === 'confirmed')
    }

    it('deactivates the deceased UIN once, records it and erases the UIN', async () => {
      const idRepository = new ScriptedIdRepository()
      const logs = capturedLogs()
      h = await createPipelineHarness(dialect, {
        deactivateWith: idRepository,
        logger: logs.logger
      })
      h.startRunner()
      const id = '100021000000201'
      await confirmedDeath(id)
      await waitFor('the deactivation', async () =>
        (await reasonsOf(id)).includes('UIN_DEACTIVATED')
      )
      assert.deepEqual(idRepository.calls, [{ uin: DECEASED_UIN, registrationId: id }])
      const row = await h.registrations.get(id)
      assert.equal(row?.state, 'confirmed')
      assert.equal(row?.national_id_sealed, null, 'the UIN is erased once deactivated')
      assert.equal(row?.payload_sealed, null)
      const jobs = await h.queue.list({ task: 'deactivate-uin' })
      assert.deepEqual(
        jobs.map((job) => job.job_key),
        [`deactivate-uin:${id}`]
      )

      // Running the job again (a replay, a second runner) asks MOSIP nothing more.
      await h.handlers['deactivate-uin']({ v: 1, registrationId: id }, {
        logger: logs.logger
      } as never)
      assert.equal(idRepository.calls.length, 1)
      assert.equal((await reasonsOf(id)).filter((r) => r === 'UIN_DEACTIVATED').length, 1)
      assert.doesNotMatch(logs.text(), new RegExp(DECEASED_UIN), 'the UIN is never logged')
    })

    it('waits while the ID repository is down, then deactivates', async () => {
      const idRepository = new ScriptedIdRepository()
      idRepository.answers = [
        retry('MOSIP_HTTP_503', 'MOSIP answered HTTP 503'),
        retry('MOSIP_UNREACHABLE', 'MOSIP did not answer')
      ]
      h = await createPipelineHarness(dialect, { deactivateWith: idRepository })
      h.startRunner({ maxAttempts: 1 })
      const id = '100021000000202'
      await confirmedDeath(id)
      await waitFor('the deactivation', async () =>
        (await reasonsOf(id)).includes('UIN_DEACTIVATED')
      )
      assert.equal(idRepository.calls.length, 3, 'two outages snoozed, never dead')
      await waitFor(
        'the job to be done',
        async () => (await h!.queue.list({ task: 'deactivate-uin' }))[0]?.state === 'done'
      )
    })

    it('records a refusal by MOSIP and does not ask again', async () => {
      const idRepository = new ScriptedIdRepository()
      idRepository.answers = [
        permanent('IDR-IDC-007', 'MOSIP reported IDR-IDC-007 No Record(s) found')
      ]
      h = await createPipelineHarness(dialect, { deactivateWith: idRepository })
      h.startRunner()
      const id = '100021000000203'
      await confirmedDeath(id)
      await waitFor('the refusal', async () =>
        (await reasonsOf(id)).includes('UIN_DEACTIVATION_FAILED')
      )
      const row = await h.registrations.get(id)
      assert.equal(row?.state, 'confirmed')
      assert.match(row?.last_error ?? '', /IDR-IDC-007/)
      assert.equal(row?.national_id_sealed, null)
      await waitFor(
        'the job to be done',
        async () => (await h!.queue.list({ task: 'deactivate-uin' }))[0]?.state === 'done'
      )
      assert.equal(idRepository.calls.length, 1)
    })

    it('does nothing when switched off (the default)', async () => {
      h = await createPipelineHarness(dialect)
      h.startRunner()
      const id = '100021000000204'
      await confirmedDeath(id)
      const row = await h.registrations.get(id)
      assert.equal(row?.national_id_sealed, null, 'no UIN is kept')
      assert.deepEqual(await h.queue.list({ task: 'deactivate-uin' }), [])
      assert.ok(!(await reasonsOf(id)).some((reason) => reason?.startsWith('UIN_')))
    })
  })
}
