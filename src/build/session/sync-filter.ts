import dockerignoreModule from '@balena/dockerignore';

/**
 * Which paths of a synced folder BuildKit asked for, decided the way fsutil's filter does:
 * `include-patterns` (and the resolved `followpaths`) keep only what matches them or lies below
 * a match; `exclude-patterns` drop what they match (`.dockerignore` rules, `!` exceptions).
 * A folder that is dropped may still be walked when a pattern could match inside it; it is
 * then sent only if something below it is.
 */
export type SyncDecision = 'send' | 'walk-hidden' | 'skip';

const PATTERN_CHARACTERS = /[*[\]?^\\]/;

export class SyncFilter {
  private readonly includes: readonly string[];
  private readonly includeMatcher;
  private readonly includesArePrefixes: boolean;
  private readonly excludeMatcher;
  private readonly exceptions: readonly string[];
  private readonly exceptionsArePrefixes: boolean;

  constructor(includePatterns: readonly string[], excludePatterns: readonly string[]) {
    this.includes = includePatterns.map(cleanPattern).filter((pattern) => pattern !== '');
    this.includeMatcher =
      this.includes.length > 0
        ? dockerignoreModule.default({ ignorecase: false }).add([...this.includes])
        : undefined;
    this.includesArePrefixes = this.includes
      .filter((pattern) => !pattern.startsWith('!'))
      .every((pattern) => !PATTERN_CHARACTERS.test(withoutTrailingGlob(pattern)));

    const excludes = excludePatterns.map((pattern) => pattern.trim()).filter(Boolean);
    this.excludeMatcher =
      excludes.length > 0
        ? dockerignoreModule.default({ ignorecase: false }).add(excludes)
        : undefined;
    this.exceptions = excludes
      .filter((pattern) => pattern.startsWith('!'))
      .map((pattern) => cleanPattern(pattern.slice(1)));
    this.exceptionsArePrefixes = this.exceptions.every(
      (pattern) => !PATTERN_CHARACTERS.test(withoutTrailingGlob(pattern)),
    );
  }

  /** `relative` uses `/` and has no leading `./`. */
  decide(relative: string, isDirectory: boolean): SyncDecision {
    let hidden = false;
    if (this.includeMatcher && !this.includeMatcher.ignores(relative)) {
      if (!isDirectory) return 'skip';
      if (this.includesArePrefixes && !this.anyStartsInside(this.includes, relative)) return 'skip';
      hidden = true;
    }
    if (this.excludeMatcher?.ignores(relative)) {
      if (!isDirectory) return 'skip';
      if (this.exceptions.length === 0) return 'skip';
      if (this.exceptionsArePrefixes && !this.anyStartsInside(this.exceptions, relative))
        return 'skip';
      hidden = true;
    }
    return hidden ? 'walk-hidden' : 'send';
  }

  private anyStartsInside(patterns: readonly string[], directory: string): boolean {
    const prefix = `${directory}/`;
    return patterns.some(
      (pattern) =>
        !pattern.startsWith('!') && `${withoutTrailingGlob(pattern)}/`.startsWith(prefix),
    );
  }
}

function cleanPattern(pattern: string): string {
  const trimmed = pattern.trim();
  const negated = trimmed.startsWith('!');
  const body = (negated ? trimmed.slice(1) : trimmed).replace(/^(\.?\/)+/, '').replace(/\/+$/, '');
  return negated ? `!${body}` : body;
}

/** `dir/**` and `dir/*` still say "inside dir", which is what the prefix test wants. */
function withoutTrailingGlob(pattern: string): string {
  return pattern.replace(/(\/\*\*?)+$/, '');
}
