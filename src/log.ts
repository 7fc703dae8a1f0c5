/**
 * Where the pipeline writes what it is doing: the Actions log (with groups and annotations) or
 * a terminal. Stages receive one and never import @actions/core themselves.
 */
export interface Log {
  info(message: string): void;
  warning(message: string): void;
  /** Prints a block of lines folded under a title (an Actions log group). */
  block(title: string, lines: readonly string[]): void;
}

/** A log that keeps everything, for tests and for output that must not interleave. */
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
