/**
 * Docker's image reference grammar (distribution/reference): `[domain/]path[:tag][@digest]`.
 * Checked before anything asks the engine, so `Bad/Upper Case:1` is named as a bad reference
 * instead of surfacing as an HTTP client error.
 */
const ALPHA_NUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[_.]|__|-+)';
const PATH_COMPONENT = `${ALPHA_NUMERIC}(?:${SEPARATOR}${ALPHA_NUMERIC})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const NAME_MAX_LENGTH = 255;

/** Why `text` is not an image reference, or undefined when it is one. */
export function imageReferenceProblem(text: string): string | undefined {
  const match = REFERENCE.exec(text);
  if (!match) {
    if (/[A-Z]/.test(text.split(/[:@]/)[0]?.split('/').slice(1).join('/') ?? '')) {
      return 'is not an image reference: repository names must be lowercase';
    }
    return 'is not an image reference (e.g. ghcr.io/acme/worker:1.4 or postgres:16@sha256:…)';
  }
  const [, domain = '', path = ''] = match;
  const name = domain === '' ? path : `${domain}/${path}`;
  if (name.length > NAME_MAX_LENGTH) {
    return `is not an image reference: the name is longer than ${NAME_MAX_LENGTH} characters`;
  }
  return undefined;
}
