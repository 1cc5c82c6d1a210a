import assert from 'node:assert/strict'

/** A client of the simulated auth manager, as its `clientidsecretkey` login takes it. */
export interface AuthClient {
  clientId: string
  secretKey: string
  appId: string
}

/**
 * Logs `client` in at the simulated MOSIP at `mosipUrl` and returns the `Authorization=<token>`
 * cookie its answer sets, as MOSIP's services expect it back.
 */
export async function authCookie(mosipUrl: string, client: AuthClient): Promise<string> {
  const response = await fetch(`${mosipUrl}/v1/authmanager/authenticate/clientidsecretkey`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'string',
      version: 'string',
      requesttime: new Date().toISOString(),
      metadata: {},
      request: { clientId: client.clientId, secretKey: client.secretKey, appId: client.appId }
    })
  })
  assert.equal(response.status, 200)
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}
