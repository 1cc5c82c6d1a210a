import type { Store } from '@mosip-bridge/server'

/** The bridge's row for an OpenCRVS event (every column), or undefined before its intake. */
export function registrationOfEvent(store: Store, eventId: string) {
  return store.db
    .selectFrom('registrations')
    .selectAll()
    .where('opencrvs_event_id', '=', eventId)
    .executeTakeFirst()
}

/** The reasons of a registration's state changes, oldest first. */
export async function historyReasons(
  store: Store,
  registrationId: string
): Promise<Array<string | null>> {
  const rows = await store.db
    .selectFrom('registration_history')
    .select('reason')
    .where('registration_id', '=', registrationId)
    .orderBy('id')
    .execute()
  return rows.map((row) => row.reason)
}
