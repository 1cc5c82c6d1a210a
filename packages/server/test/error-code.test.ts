import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { errorCode } from '../src/core/error-code.js'

describe('errorCode', () => {
  it('is the string code of an error or error-like object', () => {
    const missing = Object.assign(new Error('no such file'), { code: 'ENOENT' })
    assert.equal(errorCode(missing), 'ENOENT')
    assert.equal(errorCode({ code: '23505' }), '23505')
  })

  it('is undefined without a string code', () => {
    for (const value of [new Error('plain'), { code: 42 }, null, undefined, 'ENOENT', 7]) {
      assert.equal(errorCode(value), undefined, String(value))
    }
  })
})
