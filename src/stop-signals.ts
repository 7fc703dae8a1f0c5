import { rmSync } from 'node:fs';

/** Temporary files being written right now (a baseline before its rename). */
const temporaryFiles = new Set<string>();

/** Remembers a temporary file until `done` is called, so a stop signal can remove it. */
export function trackTemporaryFile(file: string): { done(): void } {
  temporaryFiles.add(file);
  return {
    done() {
      temporaryFiles.delete(file);
    },
  };
}

/**
 * SIGTERM (a cancelled workflow, a CI timeout) or SIGINT (Ctrl-C) ends the run with one clear
 * line and a non-zero exit, leaving no temporary file behind. The baseline is written by rename,
 * so it is the old file or the new one, never a part.
 */
export function exitOnStopSignals(say: (message: string) => void): void {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    process.once(signal, () => {
      for (const file of temporaryFiles) rmSync(file, { force: true });
      say(
        `Stopped by ${signal} before the gate finished; the baseline was not changed by this run (or was replaced whole), and no temporary file is left.`,
      );
      process.exit(code);
    });
  }
}
