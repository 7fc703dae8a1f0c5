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
