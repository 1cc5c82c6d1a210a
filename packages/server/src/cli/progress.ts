import cliProgress from 'cli-progress'

/** A progress bar on standard error, or nothing at all. */
export interface Progress {
  /** Whether a bar is drawn at all (false off a terminal or with --json). */
  readonly shown: boolean
  /** Shows the bar at `value` of `total` (a total of 0 shows nothing). */
  start(total: number, value?: number): void
  update(value: number): void
  /** Removes the bar; safe to call when it never started. */
  stop(): void
}

const NONE: Progress = {
  shown: false,
  start: () => undefined,
  update: () => undefined,
  stop: () => undefined
}

/**
 * A bar for a long operation, shown only when `stream` is a terminal and the output is not
 * JSON (`--json` output, pipes and logs get none). `format` names what is counted, e.g.
 * `'re-sealing [{bar}] {value}/{total} values'`.
 */
export function progressBar(
  stream: NodeJS.WritableStream,
  options: { json?: boolean; format: string }
): Progress {
  if (options.json === true || (stream as { isTTY?: boolean }).isTTY !== true) return NONE
  const bar = new cliProgress.SingleBar(
    { stream, format: options.format, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic
  )
  let started = false
  let total = 0
  return {
    shown: true,
    start(newTotal, value = 0) {
      if (newTotal <= 0) return
      total = newTotal
      bar.start(newTotal, value)
      started = true
    },
    update(value) {
      if (!started) return
      // The work found while it ran may exceed the count made before it.
      if (value > total) {
        total = value
        bar.setTotal(total)
      }
      bar.update(value)
    },
    stop() {
      if (started) bar.stop()
      started = false
    }
  }
}
