import type { Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { initialSchema } from './0001-initial.js'
import { jobSnoozes } from './0002-job-snoozes.js'
import { reconciliation } from './0003-reconciliation.js'
import { operatorAudit } from './0004-operator-audit.js'
import { metricsIndexes } from './0005-metrics-indexes.js'
import { inboxRegistrationIndex } from './0006-inbox-registration-index.js'
import { consoleIndexes } from './0007-console-indexes.js'
import { registrationSequence } from './0008-registration-sequence.js'
import { websubIntents } from './0009-websub-intents.js'
import { operatorFigureIndexes } from './0010-operator-figure-indexes.js'

/**
 * Every migration, keyed by a name that sorts in the order they must run. Migrations are code
 * (not .sql files) so that the few dialect differences (identity columns) live beside the DDL.
 * Never edit a migration that has shipped: add a new one.
 */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': initialSchema(dialect),
    '0002-job-snoozes': jobSnoozes(),
    '0003-reconciliation': reconciliation(),
    '0004-operator-audit': operatorAudit(dialect),
    '0005-metrics-indexes': metricsIndexes(),
    '0006-inbox-registration-index': inboxRegistrationIndex(),
    '0007-console-indexes': consoleIndexes(),
    '0008-registration-sequence': registrationSequence(dialect),
    '0009-websub-intents': websubIntents(dialect),
    '0010-operator-figure-indexes': operatorFigureIndexes()
  }
}
