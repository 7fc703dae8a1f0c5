/**
 * The one Dockerfile reader: logical instructions (continuations joined, comments and blank
 * lines inside them dropped, as BuildKit's parser does) with the line each starts on, and the
 * final stage's base image. Used by build (base image) and report (annotation lines). Only what
 * those need: not a full Dockerfile parser (no escape directive, no heredocs).
 */

export interface DockerfileInstruction {
  /** The instruction as one line: its physical lines joined with a space, `\\` removed. */
  readonly text: string;
  /** 1-based line where it starts. */
  readonly line: number;
}

const CONTINUATION = /\\\s*$/;

export function dockerfileInstructions(dockerfile: string): DockerfileInstruction[] {
  const instructions: DockerfileInstruction[] = [];
  const lines = dockerfile.split(/\r?\n/);
  for (let start = 0; start < lines.length; start += 1) {
    const first = (lines[start] ?? '').trim();
    if (first === '' || first.startsWith('#')) continue;
    const parts = [first.replace(CONTINUATION, '').trim()];
    let continues = CONTINUATION.test(first);
    let end = start;
    while (continues && end + 1 < lines.length) {
      end += 1;
      const next = (lines[end] ?? '').trim();
      // Comment and blank lines inside a continuation are dropped, and it goes on.
      if (next === '' || next.startsWith('#')) continue;
      continues = CONTINUATION.test(next);
      parts.push(next.replace(CONTINUATION, '').trim());
    }
    instructions.push({ text: parts.filter(Boolean).join(' '), line: start + 1 });
    start = end;
  }
  return instructions;
}

/**
 * The image the final stage (or `target`) is built FROM, following stage aliases and
 * substituting build args: `undefined` for `FROM scratch` or when it cannot be told (a
 * variable without a value). Only what is needed to name the base: not a Dockerfile parser.
 */
export function finalStageBase(
  dockerfile: string,
  target: string | undefined,
  buildArgs: Readonly<Record<string, string>>,
): string | undefined {
  const globalArgs: Record<string, string> = {};
  const stages: Array<{ base: string; name: string | undefined }> = [];
  for (const { text: instruction } of dockerfileInstructions(dockerfile)) {
    const [keyword = '', ...rest] = instruction.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      for (const declaration of rest) {
        const equals = declaration.indexOf('=');
        const name = equals === -1 ? declaration : declaration.slice(0, equals);
        const fallback = equals === -1 ? undefined : unquote(declaration.slice(equals + 1));
        const value = buildArgs[name] ?? fallback;
        if (value !== undefined) globalArgs[name] = value;
      }
    } else if (upper === 'FROM') {
      const words = rest.filter((word) => !word.startsWith('--'));
      const base = words[0];
      if (base === undefined) return undefined;
      const name = words[1]?.toUpperCase() === 'AS' ? words[2]?.toLowerCase() : undefined;
      stages.push({ base, name });
    }
  }
  let stage = target
    ? stages.find((candidate) => candidate.name === target.toLowerCase())
    : stages.at(-1);
  for (let hops = 0; stage && hops < stages.length; hops += 1) {
    const base = substitute(stage.base, globalArgs);
    if (base === undefined) return undefined;
    const earlier = stages.find((candidate) => candidate.name === base.toLowerCase());
    if (!earlier || earlier === stage) return base.toLowerCase() === 'scratch' ? undefined : base;
    stage = earlier;
  }
  return undefined;
}

function substitute(text: string, args: Readonly<Record<string, string>>): string | undefined {
  let missing = false;
  const result = text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      _match,
      braced: string | undefined,
      fallback: string | undefined,
      bare: string | undefined,
    ) => {
      const name = braced ?? bare ?? '';
      const value = args[name] ?? fallback;
      if (value === undefined) missing = true;
      return value ?? '';
    },
  );
  return missing ? undefined : result;
}

function unquote(value: string): string {
  return value.replace(/^(["'])(.*)\1$/, '$2');
}

// The classic builder names copied content by hash (`COPY file:4f1c…e2 in /app`): the hash
// changes with the content, the step does not.
const CONTENT_HASH = /\b(file|dir|multi):[0-9a-f]{64}\b/g;

/** The instruction text layers are matched by: whitespace collapsed, content hashes elided. */
export function comparableInstruction(instruction: string): string {
  return instruction.replace(/\s+/g, ' ').trim().replace(CONTENT_HASH, '$1:…');
}
