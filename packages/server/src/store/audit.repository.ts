import type { Executor, Store } from './database.js'
import type { OperatorAction } from './schema.js'

export interface AuditEntry {
  actor: string
  channel: 'cli' | 'debug-route' | 'console'
  action: string
  target: string | null
  outcome: string
}

/** The audit trail of operator actions. */
export class AuditRepository {
  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now
  ) {}

  async record(entry: AuditEntry, executor: Executor = this.store.db): Promise<void> {
    await executor
      .insertInto('operator_actions')
      .values({ ...entry, at: this.clock() })
      .execute()
  }

  /** The actions taken on one target (a registration, a delivery, a job), oldest first. */
  async of(target: string): Promise<OperatorAction[]> {
    const rows = await this.store.db
      .selectFrom('operator_actions')
      .selectAll()
      .where('target', '=', target)
      .orderBy('id')
      .execute()
    return rows.map((row) => ({ ...row, id: Number(row.id), at: Number(row.at) }))
  }
}
