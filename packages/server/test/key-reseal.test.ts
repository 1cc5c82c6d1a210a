/**
 * Re-sealing every sealed column under a new data key (`mosip-bridge keys reseal`), on both
 * databases: values sealed with key A are sealed again with key B, the bridge holding only B
 * reads everything afterwards, and an interrupted run resumes.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { resealAll, type ResealReport } from '../src/pipeline/key-reseal.service.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SealedColumnsRepository, SEALED_COLUMNS } from '../src/store/sealed-columns.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import { WebsubInboxRepository } from '../src/store/websub-inbox.repository.js'
import { runCommand } from './helpers/cli-run.js'
import {
  DIALECTS,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

const KEY_A = Buffer.alloc(32, 0xa1)
const KEY_B = Buffer.alloc(32, 0xb2)
const KEY_C = Buffer.alloc(32, 0xc3)

for (const dialect of DIALECTS) {
  describe(`keys reseal (${dialect})`, await dialectSuiteOptions(dialect), () => {
    let ctx: MigratedStore
    let dir: string
    /** What was sealed, to compare with what the new key opens. */
    const written = new Map<
      string,
      { token: string | undefined; payload: unknown; nationalId?: string }
    >()
    const bodies = new Map<string, string>()

    /** Registrations (token, payload, some with a national id) and deliveries sealed with `key`. */
    async function sealWith(key: Buffer, prefix: string, count: number): Promise<void> {
      const box = new SecretBox(key)
      const registrations = new RegistrationsRepository(ctx.store.db, box)
      const inbox = new WebsubInboxRepository(ctx.store.db, box)
      for (let i = 0; i < count; i++) {
        const id = `${prefix}${String(i).padStart(4, '0')}`
        const token = `token-of-${id}`
        const payload = { process: 'CRVS_NEW', fields: { n: String(i) } }
        await registrations.createOrFind(ctx.store.db, {
          id,
          kind: 'birth',
          idempotencyKey: `key-${id}`,
          token,
          payload
        })
        const entry: { token: string | undefined; payload: unknown; nationalId?: string } = {
          token,
          payload
        }
        if (i % 2 === 0) {
          entry.nationalId = `NID${i}`
          await ctx.store.db
            .updateTable('registrations')
            .set({ national_id_sealed: registrations.sealNationalId(id, entry.nationalId) })
            .where('id', '=', id)
            .execute()
        }
        written.set(id, entry)
        const eventId = `event-${id}`
        const body = JSON.stringify({ id: eventId, credential: 'secret' })
        await inbox.record(ctx.store.db, { eventId, topic: 'CREDENTIAL_ISSUED', body })
        bodies.set(eventId, body)
      }
    }

    /** Everything written so far, read with only `key`: throws if anything does not open. */
    async function readAllWith(key: Buffer): Promise<void> {
      const box = new SecretBox(key)
      const registrations = new RegistrationsRepository(ctx.store.db, box)
      const inbox = new WebsubInboxRepository(ctx.store.db, box)
      for (const [id, entry] of written) {
        assert.equal(await registrations.readToken(id), entry.token)
        assert.deepEqual(await registrations.readPayload(id), entry.payload)
        assert.equal(await registrations.readNationalId(id), entry.nationalId)
      }
      for (const [eventId, body] of bodies) assert.equal(await inbox.readBody(eventId), body)
    }

    const staleUnder = (key: Buffer) => {
      const sealed = new SealedColumnsRepository(ctx.store, new SecretBox(key))
      return Promise.all(SEALED_COLUMNS.map((column) => sealed.countStale(column)))
    }

    before(async () => {
      ctx = await createMigratedStore(dialect)
      dir = mkdtempSync(join(tmpdir(), 'bridge-reseal-'))
    })
    after(async () => {
      await ctx?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('re-seals from A to B in batches; an interrupted run resumes; B alone reads everything', async () => {
      await sealWith(KEY_A, 'r1-', 7)
      // 7 tokens, 7 payloads, 4 national ids, 7 deliveries.
      assert.deepEqual(await staleUnder(KEY_B), [7, 7, 4, 7])
      await assert.rejects(readAllWith(KEY_B), /not configured/)

      const sealed = new SealedColumnsRepository(ctx.store, new SecretBox(KEY_B, [KEY_A]))
      let batches = 0
      await assert.rejects(
        resealAll(sealed, {
          batchSize: 3,
          onProgress: () => {
            batches++
            if (batches === 2) throw new Error('interrupted')
          }
        }),
        /interrupted/
      )
      // Two batches of three tokens were done before the stop.
      assert.deepEqual(await staleUnder(KEY_B), [1, 7, 4, 7])

      let started = 0
      const progress: number[] = []
      const report = await resealAll(sealed, {
        batchSize: 3,
        onStart: (total) => (started = total),
        onProgress: (done) => progress.push(done)
      })
      assert.equal(started, 19)
      assert.equal(progress.at(-1), 19)
      assert.deepEqual(report.total, { stale: 19, resealed: 19, unreadable: 0, skipped: 0 })
      assert.equal(report.keyId, sealed.currentKeyId)
      assert.deepEqual(await staleUnder(KEY_B), [0, 0, 0, 0])
      await readAllWith(KEY_B)
      await assert.rejects(readAllWith(KEY_A), /not configured/)

      // Nothing left: a second run changes nothing.
      const again = await resealAll(sealed, { batchSize: 3 })
      assert.deepEqual(again.total, { stale: 0, resealed: 0, unreadable: 0, skipped: 0 })
    })

    // The value is changed from a second, synchronous connection in the middle of the batch,
    // which only SQLite allows; the statement is the same on PostgreSQL.
    if (dialect === 'sqlite') {
      it('leaves a value the bridge changed meanwhile to the bridge (compare and swap)', async () => {
        assert.equal(ctx.options.kind, 'sqlite')
        const path = ctx.options.sqlitePath
        await sealWith(KEY_A, 'cas-', 2)
        // While the batch is being re-sealed, the bridge wipes one token (as when it confirms).
        const other = new BetterSqlite3(path)
        class WipingBox extends SecretBox {
          override reseal(sealed: string, context: string): string {
            if (context === 'registrations.token:cas-0000') {
              other
                .prepare('update registrations set token_sealed = null where id = ?')
                .run('cas-0000')
            }
            return super.reseal(sealed, context)
          }
        }
        try {
          const sealed = new SealedColumnsRepository(ctx.store, new WipingBox(KEY_B, [KEY_A]))
          const tokens = SEALED_COLUMNS.find((column) => column.name === 'registrations.token')!
          const batch = await sealed.resealBatch(tokens, null, 10)
          assert.deepEqual(
            { resealed: batch.resealed, skipped: batch.skipped, unreadable: batch.unreadable },
            { resealed: 1, skipped: 1, unreadable: 0 }
          )
          const row = await ctx.store.db
            .selectFrom('registrations')
            .select('token_sealed')
            .where('id', '=', 'cas-0000')
            .executeTakeFirstOrThrow()
          assert.equal(row.token_sealed, null, "the bridge's change stands")
          written.get('cas-0000')!.token = undefined
          await resealAll(sealed, { batchSize: 10 })
        } finally {
          other.close()
        }
      })
    }

    it('mosip-bridge keys reseal: dry run, then the run, audited; unreadable values exit 1', async () => {
      await sealWith(KEY_A, 'r2-', 4)
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        USER: 'ops-person',
        NODE_ENV: 'development',
        DATA_ENCRYPTION_KEY: KEY_B.toString('base64'),
        DATA_ENCRYPTION_PREVIOUS_KEYS: KEY_A.toString('hex'),
        DECRYPT_P12_FILE_PATH: join(dir, 'no-keystore.p12'),
        ...(ctx.options.kind === 'postgres'
          ? { DATABASE_URL: ctx.options.url }
          : { SQLITE_DATABASE_PATH: ctx.options.sqlitePath })
      }
      const dry = await runCommand(['keys', 'reseal', '--dry-run', '--json'], env, dir)
      assert.equal(dry.status, 0, dry.stderr)
      const planned = JSON.parse(dry.stdout) as ResealReport
      assert.equal(planned.dryRun, true)
      assert.deepEqual(planned.total, { stale: 14, resealed: 14, unreadable: 0, skipped: 0 })
      assert.deepEqual(await staleUnder(KEY_B), [4, 4, 2, 4], 'a dry run changes nothing')
      assert.equal(dry.stderr, '', 'no progress bar off a terminal')

      const run = await runCommand(['keys', 'reseal', '--batch-size', '2'], env, dir)
      assert.equal(run.status, 0, run.stderr)
      assert.match(run.stdout, /^COLUMN\s+OLD KEY\s+RESEALED\s+UNREADABLE\s+CHANGED MEANWHILE$/m)
      assert.match(run.stdout, /^registrations\.token\s+4\s+4\s+0\s+0$/m)
      assert.match(run.stdout, /^websub_inbox\.body\s+4\s+4\s+0\s+0$/m)
      assert.match(run.stdout, /DATA_ENCRYPTION_PREVIOUS_KEYS can be emptied/)
      assert.deepEqual(await staleUnder(KEY_B), [0, 0, 0, 0])
      await readAllWith(KEY_B)
      const audit = await ctx.store.db
        .selectFrom('operator_actions')
        .selectAll()
        .where('action', '=', 'keys.reseal')
        .execute()
      assert.equal(audit.length, 1, 'the dry run is not audited')
      assert.equal(audit[0]!.actor, 'ops-person')
      assert.equal(audit[0]!.channel, 'cli')
      assert.match(audit[0]!.outcome, /resealed 14, unreadable 0/)

      // A value sealed with a key nobody configured: reported, left alone, exit 1.
      const stray = new RegistrationsRepository(ctx.store.db, new SecretBox(KEY_C))
      await stray.createOrFind(ctx.store.db, {
        id: 'r3-0000',
        kind: 'death',
        idempotencyKey: 'key-r3-0000',
        token: 'stray'
      })
      const failed = await runCommand(['keys', 'reseal', '--json'], env, dir)
      assert.equal(failed.status, 1)
      const report = JSON.parse(failed.stdout) as ResealReport
      assert.deepEqual(report.total, { stale: 1, resealed: 0, unreadable: 1, skipped: 0 })
      assert.match(failed.stderr, /1 value\(s\) open with no configured key/)
      assert.equal(await stray.readToken('r3-0000'), 'stray', 'left as it was')
    })
  })
}
