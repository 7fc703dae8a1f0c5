import { isObject, objectArray, type JsonObject } from '../core/json-guards.js';

/**
 * Turns a config history `created_by` into the Dockerfile instruction a person wrote, so the
 * same step reads the same whatever built it:
 *   `RUN /bin/sh -c apt-get update # buildkit`      → `RUN apt-get update`
 *   `RUN |2 A=1 B=2 /bin/sh -c make # buildkit`     → `RUN make`
 *   `/bin/sh -c #(nop) COPY file:ab12 in /app `     → `COPY file:ab12 in /app`
 *   `/bin/sh -c pip install x` (classic builder)    → `RUN pip install x`
 */
export function normaliseInstruction(createdBy: string): string {
  let text = createdBy.trim().replace(/\s+# buildkit$/, '');
  const nop = /^\/bin\/(?:ba)?sh -c #\(nop\)\s*/.exec(text);
  if (nop) {
    text = text.slice(nop[0].length);
  } else {
    // BuildKit writes build args unquoted (`|1 OPTS=--a --b /bin/sh -c …`), so everything up
    // to the first shell invocation is the argument list.
    const withArgs = /^(RUN\s+)?\|\d+\s.*?(\/bin\/(?:ba)?sh -c\s+)/.exec(text);
    if (withArgs) text = `RUN ${text.slice(withArgs[0].length)}`;
    else if (/^\/bin\/(?:ba)?sh -c\s+/.test(text)) {
      text = `RUN ${text.replace(/^\/bin\/(?:ba)?sh -c\s+/, '')}`;
    } else text = text.replace(/^RUN\s+\/bin\/(?:ba)?sh -c\s+/, 'RUN ');
  }
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Lines the config history up with the layers: every history entry that is not `empty_layer`
 * made one layer, in order. When the history is missing or does not line up (images assembled
 * by hand), layers get a neutral label instead of a wrong instruction.
 */
export function layerInstructions(config: JsonObject, layerCount: number): string[] {
  const history = objectArray(config, 'history').filter((entry) => entry['empty_layer'] !== true);
  if (history.length !== layerCount) {
    return Array.from({ length: layerCount }, (_, index) => `layer ${index + 1} (no history)`);
  }
  return history.map((entry, index) => {
    const createdBy = entry['created_by'];
    return typeof createdBy === 'string' && createdBy.trim() !== ''
      ? normaliseInstruction(createdBy)
      : `layer ${index + 1} (no instruction recorded)`;
  });
}

export function platformOf(config: JsonObject): string {
  const os = typeof config['os'] === 'string' ? config['os'] : 'unknown';
  const architecture =
    typeof config['architecture'] === 'string' ? config['architecture'] : 'unknown';
  const variant = typeof config['variant'] === 'string' ? `/${config['variant']}` : '';
  return `${os}/${architecture}${variant}`;
}

export function diffIdsOf(config: JsonObject): string[] | undefined {
  const rootfs = config['rootfs'];
  if (!isObject(rootfs)) return undefined;
  const diffIds = rootfs['diff_ids'];
  if (!Array.isArray(diffIds)) return undefined;
  return diffIds.every((id): id is string => typeof id === 'string') ? diffIds : undefined;
}
