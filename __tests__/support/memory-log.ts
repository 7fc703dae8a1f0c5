import type { Log } from '../../src/log.js';

/** A log that keeps everything, so a test can read what a run said. */
export class MemoryLog implements Log {
  readonly infos: string[] = [];
  readonly warnings: string[] = [];
  readonly blocks: Array<{ title: string; lines: readonly string[] }> = [];
  info(message: string): void {
    this.infos.push(message);
  }
  warning(message: string): void {
    this.warnings.push(message);
  }
  block(title: string, lines: readonly string[]): void {
    this.blocks.push({ title, lines });
  }
}
