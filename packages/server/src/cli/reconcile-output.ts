/**
 * What `mosip-bridge reconcile` prints: one line per registration MOSIP was asked about (ids,
 * codes and the bridge's own wording only, never personal data), a summary, and the same as one
 * JSON document with `--json`.
 */
import type { PassReport, ReconcileOutcome } from '../pipeline/reconciliation.service.js'

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000]
]

/** `90000` → `90s`, `1800000` → `30m`, `86400000` → `1d`: the largest unit that divides it. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

const HEADER = ['registration', 'MOSIP id', 'kind', 'MOSIP answer', 'action', 'detail'] as const

/** The outcomes as aligned columns under a header (the last column is not padded). */
export function outcomeTable(outcomes: readonly ReconcileOutcome[]): string[] {
  const rows = [
    [...HEADER],
    ...outcomes.map((o) => [o.registrationId, o.mosipId, o.kind, o.answer, o.action, o.detail])
  ]
  const widths = HEADER.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd()
  )
}

/** `checked 3: fail 1, keep-checking 2; postponed 0`. */
export function summaryLine(report: PassReport): string {
  const actions = Object.entries(report.actions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([action, n]) => `${action} ${n}`)
  return `checked ${report.checked}${actions.length > 0 ? `: ${actions.join(', ')}` : ''}; postponed ${report.postponed}`
}

/** Actions whose follow-up work is a queued job the running bridge carries out. */
const QUEUES_FOLLOW_UP: ReadonlySet<string> = new Set(['fail', 'finish', 'resubmit'])

/** Whether the pass queued jobs (confirmations, rejections, resubmissions). */
export function queuedFollowUps(report: PassReport): boolean {
  return Object.entries(report.actions).some(([action, n]) => n > 0 && QUEUES_FOLLOW_UP.has(action))
}

export const FOLLOW_UP_NOTE =
  'follow-up jobs (confirmations and rejections in OpenCRVS, packets submitted again) are queued: the running bridge (mosip-bridge serve) carries them out; see mosip-bridge jobs list'

/** The whole pass as one JSON document. */
export function jsonReport(input: {
  dryRun: boolean
  olderThanMs: number
  outcomes: readonly ReconcileOutcome[]
  report: PassReport
}): string {
  const { report } = input
  return JSON.stringify(
    {
      dryRun: input.dryRun,
      olderThanSeconds: Math.round(input.olderThanMs / 1000),
      checked: report.checked,
      actions: report.actions,
      postponed: report.postponed,
      stoppedBy: report.stoppedBy ?? null,
      followUpsQueued: !input.dryRun && queuedFollowUps(report),
      outcomes: input.outcomes
    },
    null,
    2
  )
}
