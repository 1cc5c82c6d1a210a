import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { Registry } from 'prom-client'
import {
  DEFAULT_DOCUMENT_CATEGORIES,
  DEFAULT_DOCUMENT_FIELDS
} from '../src/core/packet-documents.js'
import { buildApp } from '../src/http/build-app.js'
import type { TokenVerifier } from '../src/http/opencrvs-auth.js'
import { registerDebugRoutes } from '../src/http/routes/debug.route.js'
import { registerEsignetRoutes } from '../src/http/routes/esignet.route.js'
import { registerIntakeRoutes } from '../src/http/routes/intake.route.js'
import { registerVerifyRoutes } from '../src/http/routes/verify.route.js'
import { registerWebsubRoutes } from '../src/http/routes/websub.route.js'
import { createStore, type Store } from '../src/store/database.js'
import { OperatorQueries } from '../src/store/operator-queries.js'

/** The document is generated from the route schemas; no handler runs in these tests. */
function notCalled(): Promise<never> {
  return Promise.reject(new Error('not called while the document is generated'))
}

const verifier: TokenVerifier = { verify: notCalled }

interface Operation {
  parameters?: Array<{ in: string; name: string; required?: boolean }>
  requestBody?: { content: Record<string, { schema: JsonSchema }> }
  responses?: Record<string, unknown>
  security?: unknown[]
}

interface JsonSchema {
  type?: string
  properties?: Record<string, JsonSchema>
  required?: string[]
  anyOf?: JsonSchema[]
}

interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, Operation>>
}

describe('OpenAPI document', () => {
  let store: Store
  let app: FastifyInstance
  let document: OpenApiDocument

  before(async () => {
    store = createStore({ kind: 'sqlite', sqlitePath: ':memory:' })
    app = buildApp({
      logger: pino({ level: 'silent' }),
      store,
      metrics: new Registry(),
      routes: [
        (instance) =>
          registerIntakeRoutes(instance, {
            verifier,
            intake: { accept: notCalled },
            requiredScope: undefined,
            documents: {
              maxBytes: 1024,
              maxCount: 1,
              categoryOfType: DEFAULT_DOCUMENT_CATEGORIES,
              fieldOfCategory: DEFAULT_DOCUMENT_FIELDS
            }
          }),
        (instance) =>
          registerWebsubRoutes(instance, {
            topic: 'crvs_partner/CREDENTIAL_ISSUED',
            secret: 'secret',
            deliveries: { receive: notCalled }
          }),
        (instance) =>
          registerDebugRoutes(instance, {
            verifier,
            operator: new OperatorQueries(store.db),
            removeRegistration: notCalled,
            eventOf: notCalled
          }),
        (instance) =>
          registerVerifyRoutes(instance, {
            verifier,
            ida: { status: { available: true }, verify: notCalled },
            requiredScope: undefined
          }),
        (instance) =>
          registerEsignetRoutes(instance, {
            verifier,
            esignet: { status: { available: true }, login: notCalled },
            requiredScope: undefined,
            corsOrigin: 'https://opencrvs.example.org'
          })
      ]
    })
    const response = await app.inject('/documentation/json')
    assert.equal(response.statusCode, 200)
    document = response.json<OpenApiDocument>()
  })

  after(async () => {
    await app?.close()
    await store?.close()
  })

  function operation(path: string, method: string): Operation {
    const found = document.paths[path]?.[method]
    assert.ok(found, `${method.toUpperCase()} ${path} is in the document`)
    return found
  }

  function bodySchema(path: string, method = 'post'): JsonSchema {
    const schema = operation(path, method).requestBody?.content['application/json']?.schema
    assert.ok(schema, `${method.toUpperCase()} ${path} documents its JSON body`)
    return schema
  }

  function parameters(path: string, method: string, where: string): Record<string, boolean> {
    return Object.fromEntries(
      (operation(path, method).parameters ?? [])
        .filter((parameter) => parameter.in === where)
        .map((parameter) => [parameter.name, parameter.required === true])
    )
  }

  it('documents the intake bodies with their required fields', () => {
    const registration = bodySchema('/events/registration')
    assert.deepEqual([...(registration.required ?? [])].sort(), [
      'audit',
      'metaInfo',
      'notification',
      'requestFields',
      'trackingId'
    ])
    const update = bodySchema('/events/update-biographics')
    assert.deepEqual(update.properties?.requestFields?.required, ['VID'])
    for (const path of ['/events/registration', '/events/update-biographics']) {
      assert.ok(operation(path, 'post').responses?.['202'])
      assert.ok(operation(path, 'post').security?.length)
    }
  })

  it('documents the identity checks: body, query and security', () => {
    const verify = bodySchema('/verify')
    assert.deepEqual([...(verify.required ?? [])].sort(), ['dob', 'name', 'nid'])
    assert.ok(verify.properties?.transactionId)
    assert.ok(operation('/verify', 'post').security?.length)

    const path = '/esignet/get-oidp-user-info'
    assert.deepEqual(parameters(path, 'post', 'query'), { code: true, state: true })
    assert.deepEqual([...(bodySchema(path).required ?? [])].sort(), ['clientId', 'redirectUri'])
    assert.ok(operation(path, 'post').responses?.['200'])
    assert.equal(document.paths[path]?.options, undefined, 'CORS preflights are not operations')
  })

  it("documents the WebSub subscriber's query and delivery", () => {
    assert.deepEqual(parameters('/websub/callback', 'get', 'query'), {
      'hub.mode': false,
      'hub.topic': false,
      'hub.challenge': false,
      'hub.lease_seconds': false,
      'hub.reason': false
    })
    const envelope = bodySchema('/websub/callback').anyOf?.[0]
    assert.ok(envelope?.properties?.event, 'the MOSIP event envelope is described')
  })

  it('documents the operations routes and their path parameters', () => {
    assert.ok(operation('/debug/transactions', 'get').responses?.['200'])
    assert.deepEqual(parameters('/debug/transactions/{id}', 'delete', 'path'), { id: true })
    for (const path of ['/health', '/ready', '/metrics']) operation(path, 'get')
  })

  it('documents no route of its own documentation', () => {
    assert.deepEqual(
      Object.keys(document.paths).filter((path) => path.startsWith('/documentation')),
      []
    )
  })
})
