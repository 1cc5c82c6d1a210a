/** The default MOSIP ID schema the bridge sends when a request brings none. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  DEFAULT_ID_SCHEMA_JSON,
  MOSIP_DATE_PATTERN
} from '../src/integrations/mosip/default-id-schema.js'

describe('default ID schema', () => {
  const schema = JSON.parse(DEFAULT_ID_SCHEMA_JSON) as {
    $schema: string
    definitions: Record<string, unknown>
    properties: {
      identity: {
        required: string[]
        properties: Record<
          string,
          {
            $ref?: string
            type?: string
            fieldCategory?: string
            validators?: Array<{ validator: string }>
          }
        >
      }
    }
  }
  const fields = schema.properties.identity.properties

  it('is a draft-07 schema string with identity properties and the MOSIP definitions', () => {
    assert.equal(typeof DEFAULT_ID_SCHEMA_JSON, 'string')
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#')
    assert.deepEqual(Object.keys(schema.definitions).sort(), [
      'biometricsType',
      'documentType',
      'simpleType'
    ])
    assert.deepEqual(schema.properties.identity.required, ['IDSchemaVersion'])
  })

  it('defines every field the bridge and the reference client send', () => {
    for (const name of [
      'IDSchemaVersion',
      'fullName',
      'dateOfBirth',
      'gender',
      'addressLine1',
      'addressLine2',
      'addressLine3',
      'email',
      'phone',
      'birthCertificateNumber',
      'nationalIdNumber',
      'dateOfDeath',
      'deathDeclared',
      'deceasedStatus',
      'UIN',
      'VID',
      'vid',
      'guardianOrParentName',
      'guardianOrParentBirthCertificateNumber',
      'introducerInfoToken',
      'introducerName',
      'selectedHandles'
    ]) {
      assert.ok(fields[name], `missing ${name}`)
    }
    assert.equal(fields.deathCertificateNumber, undefined)
  })

  it('gives every field a $ref or a type, and a category', () => {
    for (const [name, field] of Object.entries(fields)) {
      assert.ok(field.$ref !== undefined || field.type !== undefined, name)
      assert.ok(field.fieldCategory, name)
      if (field.$ref) assert.ok(schema.definitions[field.$ref.replace('#/definitions/', '')], name)
    }
    assert.equal(fields.fullName?.$ref, '#/definitions/simpleType')
    assert.equal(fields.gender?.$ref, '#/definitions/simpleType')
  })

  it('validates dates as YYYY/MM/DD', () => {
    const pattern = new RegExp(MOSIP_DATE_PATTERN)
    for (const name of ['dateOfBirth', 'dateOfDeath']) {
      assert.equal(fields[name]?.validators?.[0]?.validator, MOSIP_DATE_PATTERN, name)
    }
    for (const good of ['2025/03/14', '1901/12/31', '2000/02/29'])
      assert.ok(pattern.test(good), good)
    for (const bad of [
      '2025-03-14',
      '14/03/2025',
      '2025/13/01',
      '2025/00/10',
      '2025/01/32',
      '25/01/01'
    ]) {
      assert.equal(pattern.test(bad), false, bad)
    }
  })
})
