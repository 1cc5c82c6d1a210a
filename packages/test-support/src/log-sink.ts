import { Writable } from 'node:stream'

/**
 * A destination for pino that keeps every line it is given, so a test can assert on what was
 * logged (and on what was not: secrets, personal data).
 */
export class LogSink extends Writable {
  readonly lines: string[] = []

  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    this.lines.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'))
    done()
  }

  /** Everything logged so far, as written. */
  text(): string {
    return this.lines.join('')
  }

  /** Every line logged so far, parsed as JSON (pino writes one object per line). */
  entries(): Record<string, unknown>[] {
    return this.text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  }
}
