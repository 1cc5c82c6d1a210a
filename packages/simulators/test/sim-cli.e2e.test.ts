import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from '@mosip-bridge/test-support'

/**
 * The variables OpenCRVS's reference mosip-api requires when NODE_ENV=production: those its
 * `envalid` schema gives only a development default (reference notes,
 * mosip-api-reference-implementation.md §5 "Configuration"; the webhook URLs and the credential
 * allowlist of its 1.9.2 line included).
 */
const REFERENCE_PRODUCTION_VARIABLES = [
  'LOCALE',
  'SQLITE_DATABASE_PATH',
  'CLIENT_APP_URL',
  'OPENCRVS_GATEWAY_URL',
  'OPENCRVS_PUBLIC_KEY_URL',
  'OPENCRVS_AUTH_URL',
  'MOSIP_AUTH_URL',
  'MOSIP_PACKET_AUTH_CLIENT_ID',
  'MOSIP_PACKET_AUTH_CLIENT_SECRET',
  'MOSIP_WEBSUB_AUTH_CLIENT_ID',
  'MOSIP_WEBSUB_AUTH_CLIENT_SECRET',
  'MOSIP_WEBSUB_HUB_URL',
  'MOSIP_WEBSUB_SECRET',
  'MOSIP_WEBSUB_TOPIC',
  'MOSIP_WEBSUB_CALLBACK_URL',
  'MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST',
  'MOSIP_BIRTH_WEBHOOK_URL',
  'MOSIP_DEATH_WEBHOOK_URL',
  'ESIGNET_USERINFO_URL',
  'ESIGNET_TOKEN_URL',
  'OPENID_PROVIDER_CLAIMS',
  'OIDP_CLIENT_PRIVATE_KEY_PATH',
  'PARTNER_APIKEY',
  'PARTNER_MISP_LK',
  'PARTNER_ID',
  'IDA_AUTH_DOMAIN_URI',
  'IDA_AUTH_URL',
  'ENCRYPT_CERT_PATH',
  'DECRYPT_P12_FILE_PATH',
  'DECRYPT_P12_FILE_PASSWORD',
  'SIGN_P12_FILE_PATH',
  'SIGN_P12_FILE_PASSWORD',
  'MOSIP_CREATE_PACKET_URL',
  'MOSIP_PROCESS_PACKET_URL',
  'MOSIP_CENTER_ID',
  'MOSIP_MACHINE_ID'
] as const

describe('mosip-bridge-sim', () => {
  it('starts every simulator, writes the keys and prints the bridge environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'))
    const bin = fileURLToPath(new URL('../bin/mosip-bridge-sim.js', import.meta.url))
    const child = spawn(
      process.execPath,
      [
        bin,
        '--dir',
        dir,
        '--mosip-port',
        '0',
        '--esignet-port',
        '0',
        '--opencrvs-port',
        '0',
        '--mandatory-languages',
        'eng,ara',
        '--credential-share',
        'datashare'
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    try {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      await waitFor(
        'the environment to be printed',
        () => {
          assert.equal(child.exitCode, null, 'the simulators keep running')
          return out.includes('OPENCRVS_PUBLIC_KEY_URL=')
        },
        60_000,
        50
      )
      const env = Object.fromEntries(
        out
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
      )
      for (const key of [...REFERENCE_PRODUCTION_VARIABLES, 'MOSIP_AUTH_CLIENT_APP_ID']) {
        assert.ok(env[key], `${key} is printed`)
      }
      for (const file of ['ENCRYPT_CERT_PATH', 'OIDP_CLIENT_PRIVATE_KEY_PATH']) {
        assert.ok(existsSync(env[file]!), `${file} exists`)
      }
      const allowlisted = await fetch(env.MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST!)
      assert.equal(allowlisted.status, 200, "the allowlist names the issuer's verification method")
      assert.equal(new URL(env.CLIENT_APP_URL!).origin, new URL(env.OPENCRVS_GATEWAY_URL!).origin)
      assert.equal(env.MOSIP_LANGUAGES, 'eng,ara', "MOSIP's mandatory languages are printed")
      for (const file of ['DECRYPT_P12_FILE_PATH', 'SIGN_P12_FILE_PATH', 'ENCRYPT_CERT_PATH']) {
        assert.ok(existsSync(env[file]!), `${file} exists`)
      }
      const policy = await fetch(
        `${new URL(env.MOSIP_AUTH_URL!).origin}/_sim/mosip/credential-policy`
      )
      assert.equal(
        ((await policy.json()) as { shareBy: string }).shareBy,
        'datashare',
        '--credential-share sets the partner policy'
      )
      const key = await fetch(env.OPENCRVS_PUBLIC_KEY_URL!)
      assert.match(await key.text(), /BEGIN PUBLIC KEY/)
      const login = await fetch(env.MOSIP_AUTH_URL!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'string',
          version: 'string',
          requesttime: new Date().toISOString(),
          metadata: {},
          request: {
            clientId: env.MOSIP_PACKET_AUTH_CLIENT_ID,
            secretKey: env.MOSIP_PACKET_AUTH_CLIENT_SECRET,
            appId: env.MOSIP_AUTH_CLIENT_APP_ID
          }
        })
      })
      assert.match(login.headers.get('set-cookie') ?? '', /^Authorization=/)
    } finally {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
