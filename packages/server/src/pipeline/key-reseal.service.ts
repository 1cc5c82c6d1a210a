import {
  SEALED_COLUMNS,
  type SealedColumn,
  type SealedColumnsRepository
} from '../store/sealed-columns.repository.js'

export interface ResealCounts {
  /** Values not sealed with the current key when the run started. */
  stale: number
  resealed: number
  unreadable: number
  skipped: number
}

export interface ResealReport {
  dryRun: boolean
  /** Id of the key everything is sealed with afterwards (the current DATA_ENCRYPTION_KEY). */
  keyId: string
  columns: Array<{ column: string } & ResealCounts>
  total: ResealCounts
}

export interface ResealOptions {
  batchSize: number
  dryRun?: boolean
  /** Told once, before the first batch, how many values are to be looked at. */
  onStart?: (total: number) => void
  /** Told after each batch how many values have been looked at so far. */
  onProgress?: (done: number) => void
  columns?: readonly SealedColumn[]
}

/**
 * Seals every value of every sealed column again under the current data key, one batch (one
 * transaction) at a time. Values no configured key opens are counted and left alone. Stopped at
 * any point, a new run carries on: what was re-sealed is no longer selected.
 */
export async function resealAll(
  repository: SealedColumnsRepository,
  options: ResealOptions
): Promise<ResealReport> {
  const columns = options.columns ?? SEALED_COLUMNS
  const stale = new Map<SealedColumn, number>()
  for (const column of columns) stale.set(column, await repository.countStale(column))
  options.onStart?.([...stale.values()].reduce((a, b) => a + b, 0))
  const report: ResealReport = {
    dryRun: options.dryRun === true,
    keyId: repository.currentKeyId,
    columns: [],
    total: { stale: 0, resealed: 0, unreadable: 0, skipped: 0 }
  }
  let done = 0
  for (const column of columns) {
    const counts: ResealCounts = {
      stale: stale.get(column) ?? 0,
      resealed: 0,
      unreadable: 0,
      skipped: 0
    }
    let after: string | null = null
    for (;;) {
      const batch = await repository.resealBatch(column, after, options.batchSize, {
        dryRun: options.dryRun === true
      })
      counts.resealed += batch.resealed
      counts.unreadable += batch.unreadable
      counts.skipped += batch.skipped
      done += batch.resealed + batch.unreadable + batch.skipped
      options.onProgress?.(done)
      after = batch.last
      if (batch.done) break
    }
    report.columns.push({ column: column.name, ...counts })
    for (const field of ['stale', 'resealed', 'unreadable', 'skipped'] as const) {
      report.total[field] += counts[field]
    }
  }
  return report
}
