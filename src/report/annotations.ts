import { dockerfileInstructions } from '../dockerfile.js';
import type { ServiceResult, Verdict } from '../compare/types.js';

export interface Annotation {
  readonly level: 'error' | 'warning';
  readonly title: string;
  readonly message: string;
  /** Path relative to the repository root; undefined when the service has no Dockerfile. */
  readonly file: string | undefined;
  readonly line: number;
}

/**
 * One annotation per failing (error) or warning service, placed on its Dockerfile at the line
 * of the instruction that grew the most, when that line can be found.
 */
export function buildAnnotations(
  verdict: Verdict,
  readDockerfile: (relativePath: string) => string | undefined,
): Annotation[] {
  const annotations: Annotation[] = [];
  for (const service of verdict.services) {
    const level = annotationLevel(service);
    if (!level) continue;
    const file = service.dockerfile;
    const text = file ? readDockerfile(file) : undefined;
    const culprit = largestGrowth(service);
    const line = text && culprit ? (findInstructionLine(text, culprit) ?? 1) : 1;
    annotations.push({
      level,
      title: `Image size: ${service.name} ${service.status}`,
      message: service.reasons.join('; ') || service.error || service.status,
      file,
      line,
    });
  }
  return annotations;
}

function annotationLevel(service: ServiceResult): Annotation['level'] | undefined {
  if (service.status === 'fail' || service.status === 'error') return 'error';
  if (service.status === 'warn') return 'warning';
  return undefined;
}

/** The instruction of the layer that added the most bytes. */
function largestGrowth(service: ServiceResult): string | undefined {
  let best: { instruction: string; change: number } | undefined;
  for (const layer of service.layerChanges) {
    if (layer.change > 0 && (!best || layer.change > best.change)) {
      best = { instruction: layer.instruction, change: layer.change };
    }
  }
  return best?.instruction;
}

/**
 * The 1-based line where a Dockerfile instruction starts. Continuation lines are joined and
 * whitespace collapsed, as in the image history; the instruction keyword is case-insensitive.
 */
export function findInstructionLine(dockerfile: string, instruction: string): number | undefined {
  const wanted = collapse(instruction);
  return dockerfileInstructions(dockerfile).find((candidate) =>
    sameInstruction(collapse(candidate.text), wanted),
  )?.line;
}

/** Flags BuildKit leaves out of the history it records (`COPY --from=build a b` → `COPY a b`). */
const UNRECORDED_FLAGS = /\s--(?:from|chown|chmod|link|parents|exclude)(?:=\S+)?(?=\s)/g;

function sameInstruction(written: string, recorded: string): boolean {
  if (sameWords(written, recorded)) return true;
  return (
    /^(COPY|ADD)\s/i.test(written) && sameWords(written.replace(UNRECORDED_FLAGS, ''), recorded)
  );
}

function sameWords(written: string, recorded: string): boolean {
  const [writtenKeyword = '', ...writtenRest] = written.split(' ');
  const [recordedKeyword = '', ...recordedRest] = recorded.split(' ');
  return (
    writtenKeyword.toUpperCase() === recordedKeyword.toUpperCase() &&
    writtenRest.join(' ') === recordedRest.join(' ')
  );
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
