import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { joinUrl } from '../src/core/join-url.js'

describe('joinUrl', () => {
  it('keeps the base path with or without a trailing slash', () => {
    for (const base of [
      'https://gw.example/api',
      'https://gw.example/api/',
      'https://gw.example/api//'
    ]) {
      assert.equal(
        joinUrl(base, 'events', 'event.get').href,
        'https://gw.example/api/events/event.get'
      )
    }
    assert.equal(joinUrl('http://auth:4040', 'token').href, 'http://auth:4040/token')
    assert.equal(joinUrl('http://auth:4040/', '.well-known').href, 'http://auth:4040/.well-known')
  })

  it('drops the query and fragment of the base and encodes each segment', () => {
    assert.equal(
      joinUrl('https://ida.example/auth/?x=1#top', 'a/b', 'c d').href,
      'https://ida.example/auth/a%2Fb/c%20d'
    )
  })

  it('is the base itself without segments', () => {
    assert.equal(joinUrl('https://ida.example/auth/?x=1').href, 'https://ida.example/auth')
  })
})
