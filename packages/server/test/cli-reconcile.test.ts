/**
 * `mosip-bridge reconcile` and what operators see of reconciliation (`registrations show`,
 * `status`, the metrics), run in this process through `runCli` on SQLite and PostgreSQL, against
 * MOSIP's auth manager and external status search stubbed on a real socket.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  closedPort,
  sendJson,
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer
} from '@mosip-bridge/test-support'
import { createMetrics } from '../src/observability/metrics.js'
import { OperatorQueries } from '../src/store/operator-queries.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import type { RegistrationState } from '../src/core/registration-state.js'
import type { Registration } from '../src/store/schema.js'
import { runCommand } from './helpers/cli-run.js'
import {
  DIALECTS,
  TEST_KEY,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'
import { authManager, counterTokens } from './helpers/mosip-auth-manager.js'

const STATUS_PATH = '/registrationprocessor/v1/registrationstatus/externalstatus/search'
const AUTH_PATH = '/v1/authmanager/authenticate/clientidsecretkey'
const HOUR_MS = 3_600_000

/** Registration ids as the bridge makes them (prefix + 10 digits). */
const ID = {
  rejected: '100010000000001',
  processing: '100010000000002',
  issuedBirth: '100010000000003',
  resend: '100010000000004',
  recent: '100010000000005',
  notSubmitted: '100010000000006'
} as const

/** What the stubbed MOSIP answers per registration id; ids absent here are unknown (RPR-RGS-031). */
const ANSWERS: Record<string, string> = {
  [ID.rejected]: 'REJECTED',
  [ID.processing]: 'PROCESSING',
  [ID.issuedBirth]: 'UIN_GENERATED',
  [ID.resend]: 'RESEND',
  [ID.recent]: 'PROCESSING'
}

function askedIds(request: RecordedRequest): string[] {
  return (JSON.parse(request.body) as { request: Array<{ registrationId: string }> }).request.map(
    (item) => item.registrationId
  )
}

/** MOSIP's external status search: each asked id with its status, or RPR-RGS-031. */
function externalStatus(request: RecordedRequest, res: Parameters<typeof sendJson>[0]): void {
  const ids = askedIds(request)
  sendJson(res, 200, {
    id: 'mosip.registration.external.status',
    version: '1.0',
    responsetime: new Date().toISOString(),
    response: ids
      .filter((id) => ANSWERS[id] !== undefined)
      .map((registrationId) => ({
        registrationId,
        statusCode: ANSWERS[registrationId],
        additionalInfoReqId: null
      })),
    errors: ids
      .filter((id) => ANSWERS[id] === undefined)
      .map((registrationId) => ({
        registrationId,
        errorCode: 'RPR-RGS-031',
        errorMessage: 'RID Not Found'
      }))
  })
}

for (const dialect of DIALECTS) {
  describe(`mosip-bridge reconcile (${dialect})`, await dialectSuiteOptions(dialect), () => {
    let dir: string
    let ctx: MigratedStore
    let mosip: RecordingServer
    let registrations: RegistrationsRepository
    let env: Record<string, string>

    const statusCalls = () => mosip.received.filter((r) => r.path === STATUS_PATH)
    const get = async (id: string): Promise<Registration> => {
      const row = await registrations.get(id)
      assert.ok(row, `registration ${id} exists`)
      return row
    }
    const jobs = () =>
      ctx.store.db.selectFrom('jobs').select(['task', 'job_key']).orderBy('job_key').execute()
    const run = (args: string[], overrides: Record<string, string> = {}) =>
      runCommand(args, { ...env, ...overrides }, dir)

    /** A registration that reached MOSIP `agoMs` ago, as submit-packet leaves it. */
    async function submitted(id: string, kind: 'birth' | 'death', agoMs: number): Promise<void> {
      await created(id, kind)
      const at = Date.now() - agoMs
      for (const state of ['packet_created', 'submitted'] as RegistrationState[]) {
        await registrations.transition(ctx.store.db, id, state, {
          ...(state === 'submitted'
            ? { changes: { submitted_at: at, reconcile_at: at + 1000 } }
            : {})
        })
      }
    }
    async function created(id: string, kind: 'birth' | 'death'): Promise<void> {
      await registrations.createOrFind(ctx.store.db, {
        id,
        kind,
        opencrvsEventId: `event-${id}`,
        opencrvsActionId: `action-${id}`,
        idempotencyKey: `key-${id}`,
        token: 'action-token',
        tokenExpiresAt: Date.now() + 7 * 24 * HOUR_MS,
        payload: { process: 'CRVS_NEW', fields: {} }
      })
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bridge-cli-reconcile-'))
      ctx = await createMigratedStore(dialect)
      registrations = new RegistrationsRepository(ctx.store.db, new SecretBox(TEST_KEY))
      const tokens = counterTokens()
      mosip = await startRecordingServer((request, res) => {
        if (request.path === AUTH_PATH) return authManager(tokens.issue)(request, res)
        if (request.path === STATUS_PATH) return externalStatus(request, res)
        res.writeHead(404)
        res.end()
      })
      env = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        DATA_ENCRYPTION_KEY: TEST_KEY.toString('base64'),
        DECRYPT_P12_FILE_PATH: join(dir, 'no-keystore.p12'),
        MOSIP_AUTH_URL: `${mosip.url}${AUTH_PATH}`,
        MOSIP_STATUS_URL: `${mosip.url}${STATUS_PATH}`,
        MOSIP_STATUS_AUTH_CLIENT_ID: 'status-client',
        MOSIP_STATUS_AUTH_CLIENT_SECRET: 'status-secret',
        MOSIP_STALL_ALERT_SECONDS: '3600',
        ...(ctx.options.kind === 'postgres'
          ? { DATABASE_URL: ctx.options.url }
          : { SQLITE_DATABASE_PATH: ctx.options.sqlitePath })
      }
      await submitted(ID.rejected, 'birth', 2 * HOUR_MS)
      await submitted(ID.processing, 'death', 2 * HOUR_MS)
      await submitted(ID.issuedBirth, 'birth', 2 * HOUR_MS)
      await submitted(ID.resend, 'birth', 2 * HOUR_MS)
      await submitted(ID.recent, 'birth', 60_000)
      await created(ID.notSubmitted, 'birth')
    })
    after(async () => {
      await mosip?.close()
      await ctx?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('status counts the registrations waiting on MOSIP past MOSIP_STALL_ALERT_SECONDS', async () => {
      const result = await run(['status'])
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /submitted\s+5\n/)
      assert.match(result.stdout, /stalled\s+4\s+\(submitted, waiting on MOSIP for more than 1h\)/)
    })

    it('refuses an --older-than that is not a duration', async () => {
      const result = await run(['reconcile', '--older-than', 'soon'])
      assert.equal(result.status, 1)
      assert.match(result.stderr, /expected a duration such as 90s, 30m, 2h or 1d/)
      assert.equal(statusCalls().length, 0)
    })

    it('a dry run asks MOSIP, prints the decisions and changes nothing', async () => {
      const before = await Promise.all(Object.values(ID).map(get))
      const result = await run(['reconcile', '--older-than', '1h', '--dry-run'])
      assert.equal(result.status, 0, result.stderr)
      assert.deepEqual(
        statusCalls().flatMap(askedIds).sort(),
        [ID.rejected, ID.processing, ID.issuedBirth, ID.resend].sort(),
        'only submitted registrations at least an hour old are asked about'
      )
      const login = mosip.received.find((r) => r.path === AUTH_PATH)
      assert.equal(
        (JSON.parse(login?.body ?? '{}') as { request?: { clientId?: string } }).request?.clientId,
        'status-client',
        'MOSIP is asked with the status client'
      )
      const lines = result.stdout.split('\n')
      assert.match(lines[0]!, /^dry run: nothing is changed; .* at least 1h ago: 4 asked about/)
      assert.match(lines[1]!, /^registration\s+MOSIP id\s+kind\s+MOSIP answer\s+action\s+detail/)
      const line = (id: string) => lines.find((l) => l.startsWith(id)) ?? ''
      assert.match(line(ID.rejected), /birth\s+REJECTED\s+fail\s+MOSIP ended processing/)
      assert.match(line(ID.processing), /death\s+PROCESSING\s+keep-checking\s+still in MOSIP/)
      assert.match(line(ID.issuedBirth), /birth\s+UIN_GENERATED\s+needs-attention/)
      assert.match(line(ID.resend), /birth\s+RESEND\s+resubmit\s+.*resubmission 1/)
      assert.match(
        result.stdout,
        /checked 4: fail 1, keep-checking 1, needs-attention 1, resubmit 1; postponed 0/
      )
      assert.doesNotMatch(result.stdout, /follow-up jobs/)
      assert.doesNotMatch(result.stdout, /action-token|event-/, 'ids and codes only')
      assert.deepEqual(await Promise.all(Object.values(ID).map(get)), before, 'nothing changed')
      assert.deepEqual(await jobs(), [])
    })

    it('a real run fails a REJECTED one, acts on every answer and says the bridge runs the follow-ups', async () => {
      mosip.received.length = 0
      const result = await run(['reconcile', '--older-than', '1h'])
      assert.equal(result.status, 0, result.stderr)
      assert.equal(result.stderr, '')
      assert.match(
        result.stdout,
        new RegExp(
          `\\n${ID.rejected}\\s+${ID.rejected}\\s+birth\\s+REJECTED\\s+fail\\s+.*rejection in OpenCRVS queued`
        )
      )
      assert.match(
        result.stdout,
        /checked 4: fail 1, keep-checking 1, needs-attention 1, resubmit 1/
      )
      assert.match(result.stdout, /follow-up jobs .* queued: the running bridge/)

      const rejected = await get(ID.rejected)
      assert.equal(rejected.state, 'failed')
      assert.equal(rejected.mosip_status, 'REJECTED')
      const processing = await get(ID.processing)
      assert.equal(processing.state, 'submitted')
      assert.equal(processing.mosip_status, 'PROCESSING')
      assert.ok(Number(processing.reconcile_at) > Date.now(), 'next check is later')
      assert.equal((await get(ID.issuedBirth)).state, 'needs_attention')
      const resent = await get(ID.resend)
      assert.equal(resent.state, 'received')
      assert.equal(resent.resubmissions, 1)
      assert.ok(resent.mosip_id !== null && resent.mosip_id !== ID.resend, 'a new MOSIP id')
      assert.equal((await get(ID.recent)).mosip_status, null, 'too recent: not asked')
      assert.deepEqual(await jobs(), [
        { task: 'reject-registration', job_key: `reject:${ID.rejected}` },
        { task: 'submit-packet', job_key: `submit:${ID.resend}:resubmit-1` }
      ])

      // The hand-over is counted by its reconciliation reason; the stalled count is what is left.
      const metrics = await createMetrics({
        operator: new OperatorQueries(ctx.store.db),
        stallAlertMs: HOUR_MS
      }).metrics()
      assert.match(metrics, /mosip_bridge_needs_attention\{reason="MOSIP_ISSUED_NO_CREDENTIAL"\} 1/)
      assert.match(metrics, /mosip_bridge_registrations\{state="needs_attention",kind="birth"\} 1/)
      assert.match(metrics, /mosip_bridge_registrations_stalled 1\n/)
      assert.match(metrics, /mosip_bridge_registrations_mosip_status\{status="PROCESSING"\} 1/)
      assert.match(metrics, /mosip_bridge_registrations_mosip_status\{status="NOT_CHECKED"\} 1/)
    })

    it('registrations show tells where a registration stands with MOSIP', async () => {
      const processing = await get(ID.processing)
      const shown = await run(['registrations', 'show', ID.processing])
      assert.equal(shown.status, 0, shown.stderr)
      assert.match(shown.stdout, new RegExp(`  MOSIP id ${ID.processing}\\n`))
      assert.match(
        shown.stdout,
        new RegExp(
          `  submitted to MOSIP ${new Date(Number(processing.submitted_at)).toISOString()}, resubmissions 0\\n`
        )
      )
      assert.match(
        shown.stdout,
        new RegExp(
          `  MOSIP status PROCESSING, checked ${new Date(Number(processing.mosip_checked_at)).toISOString()}, next check ${new Date(Number(processing.reconcile_at)).toISOString()}\\n`
        )
      )

      const resent = await get(ID.resend)
      const again = await run(['registrations', 'show', ID.resend])
      assert.equal(again.status, 0, again.stderr)
      assert.match(
        again.stdout,
        new RegExp(`  MOSIP id ${resent.mosip_id} \\(ids used: ${ID.resend}, ${resent.mosip_id}\\)`)
      )
      assert.match(again.stdout, /resubmissions 1\n/)
      assert.match(again.stdout, /MOSIP status RESEND, checked \S+Z, next check -\n/)
      assert.match(again.stdout, /submitted → received {2}MOSIP_RESUBMIT_RESEND/)

      const fresh = await run(['registrations', 'show', ID.notSubmitted])
      assert.match(fresh.stdout, /submitted to MOSIP -, resubmissions 0\n/)
      assert.match(fresh.stdout, /MOSIP status -, checked never, next check -\n/)
    })

    it('--json prints the outcomes and the summary as one document', async () => {
      mosip.received.length = 0
      const result = await run(['reconcile', '--older-than', '30m', '--json'])
      assert.equal(result.status, 0, result.stderr)
      const report = JSON.parse(result.stdout) as Record<string, unknown>
      assert.deepEqual(report, {
        dryRun: false,
        olderThanSeconds: 1800,
        checked: 1,
        actions: { 'keep-checking': 1 },
        postponed: 0,
        stoppedBy: null,
        followUpsQueued: false,
        outcomes: [
          {
            registrationId: ID.processing,
            mosipId: ID.processing,
            kind: 'death',
            answer: 'PROCESSING',
            action: 'keep-checking',
            detail: (report.outcomes as Array<{ detail: string }>)[0]?.detail
          }
        ]
      })
      assert.equal((await get(ID.processing)).mosip_unchanged_checks, 1)
    })

    it('MOSIP unreachable: exit code 1 with the reason, and the checks wait', async () => {
      const before = await get(ID.processing)
      const port = await closedPort()
      const result = await run(['reconcile', '--older-than', '1m'], {
        MOSIP_STATUS_URL: `http://127.0.0.1:${port}${STATUS_PATH}`
      })
      assert.equal(result.status, 1)
      assert.match(
        result.stderr,
        /MOSIP could not be asked: MOSIP_UNREACHABLE: .*; 2 registration\(s\) wait for the next check/
      )
      assert.match(
        result.stdout,
        new RegExp(
          `${ID.processing}\\s+${ID.processing}\\s+death\\s+MOSIP_UNREACHABLE\\s+postponed`
        )
      )
      assert.match(result.stdout, /checked 0; postponed 2/)
      const after = await get(ID.processing)
      assert.equal(after.state, 'submitted')
      assert.equal(after.mosip_status, 'PROCESSING', "MOSIP's last answer is kept")
      assert.ok(Number(after.mosip_checked_at) >= Number(before.mosip_checked_at))
    })
  })
}

describe('mosip_bridge_registrations_stalled', () => {
  let ctx: MigratedStore
  before(async () => {
    ctx = await createMigratedStore('sqlite')
  })
  after(() => ctx.drop())

  it('counts only submitted registrations whose packet reached MOSIP before the alert age', async () => {
    const now = Date.UTC(2026, 0, 10, 12)
    const registrations = new RegistrationsRepository(ctx.store.db, new SecretBox(TEST_KEY))
    const make = async (id: string, path: RegistrationState[], submittedAgoMs: number) => {
      await registrations.createOrFind(ctx.store.db, {
        id,
        kind: 'birth',
        idempotencyKey: `key-${id}`
      })
      for (const state of path) {
        await registrations.transition(ctx.store.db, id, state, {
          ...(state === 'submitted'
            ? { changes: { submitted_at: now - submittedAgoMs, reconcile_at: now } }
            : {})
        })
      }
    }
    await make('old-1', ['packet_created', 'submitted'], 25 * HOUR_MS)
    await make('old-2', ['packet_created', 'submitted'], 48 * HOUR_MS)
    await make('young', ['packet_created', 'submitted'], 23 * HOUR_MS)
    await make(
      'old-but-handed-over',
      ['packet_created', 'submitted', 'needs_attention'],
      48 * HOUR_MS
    )
    await make('old-but-failed', ['packet_created', 'submitted', 'failed'], 48 * HOUR_MS)
    await make('never-submitted', [], 0)

    const scrape = (stallAlertMs: number) =>
      createMetrics({
        operator: new OperatorQueries(ctx.store.db),
        stallAlertMs,
        clock: () => now
      }).metrics()
    assert.match(await scrape(24 * HOUR_MS), /\nmosip_bridge_registrations_stalled 2\n/)
    assert.match(await scrape(22 * HOUR_MS), /\nmosip_bridge_registrations_stalled 3\n/)
    assert.match(await scrape(49 * HOUR_MS), /\nmosip_bridge_registrations_stalled 0\n/)
    const text = await scrape(24 * HOUR_MS)
    assert.match(text, /mosip_bridge_registrations\{state="submitted",kind="birth"\} 3/)
    assert.match(text, /mosip_bridge_registrations_mosip_status\{status="NOT_CHECKED"\} 3/)
  })
})
