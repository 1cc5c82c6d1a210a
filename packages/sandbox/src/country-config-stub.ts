import { createServer, type IncomingMessage, type Server } from 'node:http'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'

/**
 * A minimal OpenCRVS country configuration for the bridge's own end-to-end runs: it receives
 * action triggers, sends births and deaths to the bridge with the action token, and answers
 * core 202 (the action stays requested until the bridge confirms it), or 400 when the bridge
 * did not take the record. The real handlers live in the client package.
 */
export interface CountryConfigStub {
  url: string
  /** Registration numbers handed out, per OpenCRVS event id. */
  registrationNumbers: Map<string, string>
  /** How long each call to the bridge's intake took (ms), in arrival order. */
  intakeLatencies: number[]
  close(): Promise<void>
}

interface EventDocument {
  id: string
  type: string
  trackingId?: string
  actions?: Array<{ type?: string; declaration?: Record<string, unknown> }>
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

function declarationOf(event: EventDocument): Record<string, unknown> {
  return Object.assign({}, ...(event.actions ?? []).map((action) => action.declaration ?? {}))
}

function nameOf(value: unknown): string {
  const name = value as { firstname?: string; surname?: string } | undefined
  return [name?.firstname, name?.surname].filter(Boolean).join(' ') || 'Unknown Person'
}

function mosipDate(value: unknown): string {
  return typeof value === 'string' ? value.replaceAll('-', '/') : '2020/01/01'
}

export async function startCountryConfigStub(options: {
  bridgeUrl: string
  /** More bridges sharing the work: triggers go to `bridgeUrl` and these in turn. */
  moreBridgeUrls?: string[]
}): Promise<CountryConfigStub> {
  const registrationNumbers = new Map<string, string>()
  const intakeLatencies: number[] = []
  const bridges = [options.bridgeUrl, ...(options.moreBridgeUrls ?? [])]
  let sent = 0
  const server: Server = createServer((request, response) => {
    void (async () => {
      const match = /^\/trigger\/events\/([^/]+)\/actions\/([^/?]+)/.exec(request.url ?? '')
      if (request.method !== 'POST' || !match) {
        response.writeHead(404).end()
        return
      }
      const [, eventType, actionType] = match
      const event = (await readJson(request)) as EventDocument
      if (actionType !== 'REGISTER' || (eventType !== 'birth' && eventType !== 'death')) {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
        return
      }
      const declaration = declarationOf(event)
      const registrationNumber = `${eventType === 'birth' ? 'B' : 'D'}${randomBytes(5).toString('hex').toUpperCase()}`
      registrationNumbers.set(event.id, registrationNumber)
      const subject = eventType === 'birth' ? 'child' : 'deceased'
      const payload = {
        trackingId: event.trackingId ?? event.id.slice(0, 7),
        notification: {
          recipientFullName: nameOf(
            declaration['informant.name'] ?? declaration[`${subject}.name`]
          ),
          recipientEmail: String(declaration['informant.email'] ?? ''),
          recipientPhone: String(declaration['informant.phoneNo'] ?? '')
        },
        requestFields: {
          [eventType === 'birth' ? 'birthCertificateNumber' : 'deathCertificateNumber']:
            registrationNumber,
          fullName: JSON.stringify([
            { language: 'eng', value: nameOf(declaration[`${subject}.name`]) }
          ]),
          ...(eventType === 'birth'
            ? { dateOfBirth: mosipDate(declaration['child.dob']) }
            : {
                dateOfDeath: mosipDate(declaration['eventDetails.date']),
                // The deceased's UIN, as the reference country configuration sends it.
                ...(typeof declaration['deceased.nid'] === 'string'
                  ? { UIN: declaration['deceased.nid'] }
                  : {})
              })
        },
        metaInfo: { metaData: JSON.stringify([{ label: 'opencrvsId', value: event.id }]) },
        audit: { uuid: event.id, createdAt: new Date().toISOString(), eventName: 'REGISTER' }
      }
      const sentAt = performance.now()
      const target = bridges[sent++ % bridges.length]
      const answer = await fetch(new URL('events/registration', `${target}/`), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: request.headers.authorization ?? ''
        },
        body: JSON.stringify(payload)
      }).catch((error: Error) => ({ ok: false, status: 0, text: async () => error.message }))
      intakeLatencies.push(performance.now() - sentAt)
      if (answer.status === 202) {
        response.writeHead(202, { 'content-type': 'application/json' }).end('{}')
      } else {
        const reason = await answer.text()
        response.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            reason: `the bridge did not take the record (${answer.status}): ${reason}`
          })
        )
      }
    })().catch(() => {
      if (!response.headersSent)
        response.writeHead(400).end('{"reason":"country configuration failed"}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    registrationNumbers,
    intakeLatencies,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}
