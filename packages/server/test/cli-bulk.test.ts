/**
 * The bulk commands (`jobs replay-dead`, `deliveries retry-kept`): dry run, the run itself with
 * a progress bar when standard error is a terminal (none with --json or off a terminal), and the
 * audit trail of each item.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../src/cli/main.js'
import { createStore, type Store } from '../src/store/database.js'
import { migrateToLatest } from '../src/store/migrate.js'
import { JobQueue } from '../src/queue/job-queue.js'
import { SecretBox } from '../src/store/secret-box.js'
import { WebsubInboxRepository } from '../src/store/websub-inbox.repository.js'
import { collector, runCommand } from './helpers/cli-run.js'
import { TEST_KEY } from './helpers/databases.js'

/** Runs a command whose standard error is a terminal (where progress bars are drawn). */
async function runOnTerminal(
  args: string[],
  env: Record<string, string>,
  cwd: string
): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = collector()
  const stderr = collector()
  Object.assign(stderr.stream, { isTTY: true, columns: 100 })
  const status = await runCli({
    argv: args,
    env,
    cwd,
    stdout: stdout.stream,
    stderr: stderr.stream
  })
  return { status, stdout: stdout.text(), stderr: stderr.text() }
}

describe('mosip-bridge bulk commands', () => {
  let dir: string
  let env: Record<string, string>
  let store: Store

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-cli-bulk-'))
    env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      USER: 'operator-bo',
      NODE_ENV: 'development',
      DATA_ENCRYPTION_KEY: TEST_KEY.toString('base64'),
      SQLITE_DATABASE_PATH: join(dir, 'bridge.db')
    }
    store = createStore({ kind: 'sqlite', sqlitePath: env.SQLITE_DATABASE_PATH! })
    await migrateToLatest(store)
  })
  after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const audited = (action: string) =>
    store.db
      .selectFrom('operator_actions')
      .select(['target', 'actor', 'outcome'])
      .where('action', '=', action)
      .orderBy('id')
      .execute()

  it('jobs replay-dead replays every dead job of a task, with a bar on a terminal only', async () => {
    const queue = new JobQueue(store, { maxAttempts: 1, backoff: { baseMs: 1, maxMs: 1 } })
    const ids: number[] = []
    for (const [task, n] of [
      ['submit-packet', 1],
      ['submit-packet', 2],
      ['submit-packet', 3],
      ['confirm-registration', 4]
    ] as const) {
      ids.push((await queue.enqueue(store.db, task, { registrationId: `r${n}` })).id)
    }
    for (const job of await queue.claim('test', 10, 1000)) await queue.fail(job, new Error('no'))
    assert.equal((await queue.counts()).dead, 4)

    const dry = await runCommand(
      ['jobs', 'replay-dead', '--task', 'submit-packet', '--dry-run', '--json'],
      env,
      dir
    )
    assert.equal(dry.status, 0, dry.stderr)
    const planned = JSON.parse(dry.stdout) as { dryRun: boolean; outcomes: unknown[] }
    assert.equal(planned.dryRun, true)
    assert.equal(planned.outcomes.length, 3)
    assert.equal((await queue.counts()).dead, 4, 'a dry run changes nothing')

    const run = await runOnTerminal(['jobs', 'replay-dead', '--task', 'submit-packet'], env, dir)
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stderr, /replaying jobs \[[^\]]*\] \d\/3/, 'a progress bar')
    assert.match(run.stdout, /^3 job\(s\) queued again$/m)
    assert.equal((await queue.counts()).dead, 1)
    const trail = await audited('job.replay')
    assert.deepEqual(
      trail.map((entry) => entry.target),
      ids.slice(0, 3).map(String).reverse()
    )
    assert.ok(trail.every((entry) => entry.actor === 'operator-bo' && entry.outcome === 'queued'))

    const json = await runOnTerminal(['jobs', 'replay-dead', '--json'], env, dir)
    assert.equal(json.status, 0, json.stderr)
    assert.equal(json.stderr, '', 'no bar with --json')
    const done = JSON.parse(json.stdout) as { outcomes: Array<{ id: string; outcome: string }> }
    assert.deepEqual(done.outcomes, [{ id: String(ids[3]), done: true, outcome: 'queued' }])

    const none = await runCommand(['jobs', 'replay-dead'], env, dir)
    assert.equal(none.status, 0)
    assert.match(none.stdout, /^0 job\(s\) queued again$/m)
  })

  it('deliveries retry-kept processes every kept delivery of one state again', async () => {
    const inbox = new WebsubInboxRepository(store.db, new SecretBox(TEST_KEY))
    for (const [eventId, state] of [
      ['e-1', 'undecryptable'],
      ['e-2', 'undecryptable'],
      ['e-3', 'unmatched']
    ] as const) {
      await inbox.record(store.db, { eventId, topic: 'CREDENTIAL_ISSUED', body: '{}' })
      await store.db
        .updateTable('websub_inbox')
        .set({ state })
        .where('event_id', '=', eventId)
        .execute()
    }
    const refused = await runCommand(['deliveries', 'retry-kept', '--state', 'processed'], env, dir)
    assert.equal(refused.status, 2)
    assert.match(refused.stderr, /--state must be one of unmatched, undecryptable, invalid/)

    const run = await runOnTerminal(
      ['deliveries', 'retry-kept', '--state', 'undecryptable'],
      env,
      dir
    )
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stderr, /retrying deliveries \[/)
    assert.match(run.stdout, /^delivery e-1: queued$/m)
    assert.match(run.stdout, /^2 delivery\(s\) queued for processing again$/m)
    const states = await store.db
      .selectFrom('websub_inbox')
      .select(['event_id', 'state'])
      .orderBy('event_id')
      .execute()
    assert.deepEqual(
      states.map((row) => `${row.event_id}:${row.state}`),
      ['e-1:received', 'e-2:received', 'e-3:unmatched']
    )
    assert.equal((await audited('delivery.retry')).length, 2)
  })
})
