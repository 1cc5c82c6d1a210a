/**
 * UIN and VID numbers shaped like MOSIP's kernel generators: digits only, no leading 0 or 1, no
 * runs of repeated or sequential digits, and a Verhoeff check digit at the end.
 */
import { randomInt } from 'node:crypto'

const MULTIPLICATION: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
]
const PERMUTATION: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 8, 7, 6, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]
]
const INVERSE = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9] as const

function lookup(table: readonly (readonly number[])[], row: number, column: number): number {
  return table[row]?.[column] ?? 0
}

/** The Verhoeff check digit for a string of digits. */
function verhoeffCheckDigit(digits: string): number {
  let check = 0
  const reversed = [...digits].reverse()
  for (let i = 0; i < reversed.length; i++) {
    const digit = Number(reversed[i])
    check = lookup(MULTIPLICATION, check, lookup(PERMUTATION, (i + 1) % 8, digit))
  }
  return INVERSE[check] ?? 0
}

function hasRuns(digits: string): boolean {
  for (let i = 2; i < digits.length; i++) {
    const a = Number(digits[i - 2])
    const b = Number(digits[i - 1])
    const c = Number(digits[i])
    if (a === b && b === c) return true
    if (b - a === 1 && c - b === 1) return true
    if (a - b === 1 && b - c === 1) return true
  }
  return false
}

function generate(length: number): string {
  for (;;) {
    let body = String(randomInt(2, 10))
    while (body.length < length - 1) body += String(randomInt(0, 10))
    const number = `${body}${verhoeffCheckDigit(body)}`
    if (!hasRuns(number)) return number
  }
}

/** A 10-digit UIN. */
export function generateUin(): string {
  return generate(10)
}

/** A 16-digit VID. */
export function generateVid(): string {
  return generate(16)
}
