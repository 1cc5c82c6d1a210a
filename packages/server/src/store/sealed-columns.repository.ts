import { sql, type RawBuilder } from 'kysely'
import type { Store } from './database.js'
import { sealContext as registrationSealContext } from './registrations.repository.js'
import type { SecretBox } from './secret-box.js'
import { sealContext as deliverySealContext } from './websub-inbox.repository.js'

/** One column of the store that holds values sealed with the data encryption key. */
export interface SealedColumn {
  /** `table.column` as operators read it. */
  name: string
  table: 'registrations' | 'websub_inbox'
  /** The row's primary key (text), which the seal is bound to. */
  key: 'id' | 'event_id'
  column: 'token_sealed' | 'payload_sealed' | 'national_id_sealed' | 'body_sealed'
  /** What a value of this column is bound to, as the repository that wrote it binds it. */
  context: (key: string) => string
}

/** Every sealed column of the store: the ones `keys reseal` goes through. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    name: 'registrations.token',
    table: 'registrations',
    key: 'id',
    column: 'token_sealed',
    context: (id) => registrationSealContext('token', id)
  },
  {
    name: 'registrations.payload',
    table: 'registrations',
    key: 'id',
    column: 'payload_sealed',
    context: (id) => registrationSealContext('payload', id)
  },
  {
    name: 'registrations.national_id',
    table: 'registrations',
    key: 'id',
    column: 'national_id_sealed',
    context: (id) => registrationSealContext('national_id', id)
  },
  {
    name: 'websub_inbox.body',
    table: 'websub_inbox',
    key: 'event_id',
    column: 'body_sealed',
    context: deliverySealContext
  }
]

/** What one batch did. */
export interface ResealBatch {
  /** Values now sealed with the current key (with `dryRun`: that would be). */
  resealed: number
  /** Values that no configured key opens: left as they are. */
  unreadable: number
  /** Values changed or wiped by the bridge meanwhile: nothing to do. */
  skipped: number
  /** Key of the last row looked at: the next batch starts after it. */
  last: string | null
  /** Whether this was the last batch of the column. */
  done: boolean
}

/**
 * Finds values sealed with another key than the current one and seals them again under it.
 * The sealed text names its key (`v1.<keyId>.…`), so a value already re-sealed is never
 * selected again: an interrupted run resumes where it stopped, and running it twice is harmless.
 * Each value is replaced only if it is still the one read (compare and swap), so a running
 * bridge that wipes or rewrites it meanwhile wins. Table and column names come from
 * SEALED_COLUMNS only, never from input.
 */
export class SealedColumnsRepository {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox
  ) {}

  get currentKeyId(): string {
    return this.box.currentKeyId
  }

  /** Values of `column` not sealed with the current key. */
  async countStale(column: SealedColumn): Promise<number> {
    const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(
      column.table
    )} where ${this.staleCondition(column)}`.execute(this.store.db)
    return Number(result.rows[0]?.n ?? 0)
  }

  /** Re-seals up to `limit` stale values of `column` whose row key sorts after `after`. */
  async resealBatch(
    column: SealedColumn,
    after: string | null,
    limit: number,
    options: { dryRun?: boolean } = {}
  ): Promise<ResealBatch> {
    const key = sql.ref(column.key)
    const value = sql.ref(column.column)
    const since = after === null ? sql`` : sql` and ${key} > ${after}`
    const rows = (
      await sql<{ k: string; v: string }>`select ${key} as k, ${value} as v from ${sql.table(
        column.table
      )} where ${this.staleCondition(column)}${since} order by ${key} limit ${limit}`.execute(
        this.store.db
      )
    ).rows
    const batch: ResealBatch = {
      resealed: 0,
      unreadable: 0,
      skipped: 0,
      last: rows.at(-1)?.k ?? after,
      done: rows.length < limit
    }
    const replacements: Array<{ k: string; sealed: string; resealed: string }> = []
    for (const row of rows) {
      try {
        replacements.push({
          k: row.k,
          sealed: row.v,
          resealed: this.box.reseal(row.v, column.context(row.k))
        })
      } catch {
        batch.unreadable++
      }
    }
    if (options.dryRun) {
      batch.resealed = replacements.length
      return batch
    }
    await this.store.db.transaction().execute(async (trx) => {
      for (const { k, sealed, resealed } of replacements) {
        const result =
          await sql`update ${sql.table(column.table)} set ${value} = ${resealed} where ${key} = ${k} and ${value} = ${sealed}`.execute(
            trx
          )
        if (Number(result.numAffectedRows ?? 0) === 1) batch.resealed++
        else batch.skipped++
      }
    })
    return batch
  }

  private staleCondition(column: SealedColumn): RawBuilder<unknown> {
    const value = sql.ref(column.column)
    // Key ids are hex: nothing in the pattern is a LIKE wildcard.
    return sql`${value} is not null and ${value} not like ${`v1.${this.box.currentKeyId}.%`}`
  }
}
