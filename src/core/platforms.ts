/**
 * Platforms (`os/architecture[/variant]`) as OCI and Docker name them, and the names of the
 * services measured once per platform.
 *
 * The grammar and the spellings that mean the same platform are containerd's
 * (github.com/containerd/platforms, platforms.go and database.go), which buildx and the engine
 * use to read `--platform`: what they accept is accepted here, so a compose file that builds
 * with Docker is never refused by the gate.
 */

import { describeValue } from './errors.js';

/** containerd's OS part: a name, then optionally a version and `+features` in parentheses. */
const OS_PART = /^([A-Za-z0-9_-]+)(\([A-Za-z0-9_.%-]*(?:\+[A-Za-z0-9_.%-]+)*\))?$/;
/** containerd's architecture and variant parts. */
const OTHER_PART = /^[A-Za-z0-9_.-]+$/;

const FORM = 'write os/architecture[/variant], e.g. linux/amd64 or linux/arm/v7';

/** A platform read as containerd reads it, in containerd's normal spelling. */
export interface Platform {
  /** `linux`, `windows`, `wasi`: lowercase, `macos` read as `darwin`. */
  readonly os: string;
  /** The OS version and features in parentheses, as written (`(10.0.17763)`), or ''. */
  readonly osOptions: string;
  readonly architecture: string;
  /** '' for the default variant (`arm64` is v8, `amd64` v1); `v7` for `arm`. */
  readonly variant: string;
  /** True when the text named a variant (`linux/arm64/v8`) or an alias implied one (`armhf`). */
  readonly variantNamed: boolean;
}

/** The platform `text` names, or why it names none. */
export function parsePlatform(
  text: string,
):
  | { readonly ok: true; readonly platform: Platform }
  | { readonly ok: false; readonly problem: string } {
  const parts = text.split('/');
  if (parts.length > 3) {
    return { ok: false, problem: `is not a platform: it has ${parts.length} parts; ${FORM}` };
  }
  const [osPart = '', architecture, variant] = parts;
  const os = OS_PART.exec(osPart);
  if (os === null) {
    return {
      ok: false,
      problem:
        osPart === ''
          ? `is not a platform: the operating system is missing; ${FORM}`
          : `is not a platform: the operating system ${describeValue(osPart)} may hold only letters, digits, "_" and "-"; ${FORM}`,
    };
  }
  if (architecture === undefined) {
    // containerd would take the runner's architecture (or OS): the baseline would then mean
    // one thing on an amd64 runner and another on an arm64 one.
    return {
      ok: false,
      problem: `is not a platform: it names no architecture, which would make it mean whatever the runner is; ${FORM}`,
    };
  }
  for (const [name, part] of [
    ['architecture', architecture],
    ['variant', variant],
  ] as const) {
    if (part === undefined || OTHER_PART.test(part)) continue;
    return {
      ok: false,
      problem:
        part === ''
          ? `is not a platform: the ${name} is empty; ${FORM}`
          : `is not a platform: the ${name} ${describeValue(part)} may hold only letters, digits, ".", "_" and "-"; ${FORM}`,
    };
  }
  const normal = normalArchitecture(architecture, variant ?? '');
  return {
    ok: true,
    platform: {
      os: normalOs(os[1] ?? ''),
      osOptions: os[2] ?? '',
      ...normal,
      // `armhf` names v7; plain `arm` is v7 too, but an image config that says only `arm` is
      // not claiming v7, so it still matches any arm variant asked for.
      variantNamed:
        variant !== undefined ||
        (normal.variant !== '' && normal.architecture !== architecture.toLowerCase()),
    },
  };
}

/** containerd's normalizeOS. */
function normalOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

/** containerd's normalizeArch: the one spelling of an architecture and its variant. */
function normalArchitecture(
  architectureText: string,
  variantText: string,
): { readonly architecture: string; readonly variant: string } {
  const architecture = architectureText.toLowerCase();
  const variant = variantText.toLowerCase();
  switch (architecture) {
    case 'i386':
      return { architecture: '386', variant: '' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return { architecture: 'amd64', variant: variant === 'v1' ? '' : variant };
    case 'aarch64':
    case 'arm64':
      return {
        architecture: 'arm64',
        variant: ['8', 'v8', 'v8.0'].includes(variant)
          ? ''
          : ['9', '9.0', 'v9.0'].includes(variant)
            ? 'v9'
            : variant,
      };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      return {
        architecture: 'arm',
        variant: ['', '7'].includes(variant)
          ? 'v7'
          : ['5', '6', '8'].includes(variant)
            ? `v${variant}`
            : variant,
      };
    default:
      return { architecture, variant };
  }
}

function formatPlatform(platform: Platform): string {
  const variant = platform.variant === '' ? '' : `/${platform.variant}`;
  return `${platform.os}${platform.osOptions}/${platform.architecture}${variant}`;
}

/** Why `text` is not a platform, or undefined when it is one. */
export function platformProblem(text: string): string | undefined {
  const parsed = parsePlatform(text);
  return parsed.ok ? undefined : parsed.problem;
}

/**
 * The one spelling of a platform, as containerd normalises it: `linux/arm64/v8` and
 * `linux/aarch64` are `linux/arm64`, `linux/x86_64` and `linux/amd64/v1` are `linux/amd64`,
 * `linux/armhf` and `linux/arm` are `linux/arm/v7`, `Linux/AMD64` is `linux/amd64`. Text that is
 * not a platform is returned as it is.
 */
export function normalPlatform(text: string): string {
  const parsed = parsePlatform(text);
  return parsed.ok ? formatPlatform(parsed.platform) : text;
}

export function samePlatform(left: string, right: string): boolean {
  return normalPlatform(left) === normalPlatform(right);
}

/**
 * An image's platform is one asked for when OS and architecture are the same and so is the
 * variant where both name one: an image config for arm64 often says no variant.
 */
export function platformMatches(available: string | undefined, wanted: string): boolean {
  if (available === undefined || available === '') return false;
  const image = parsePlatform(available);
  const asked = parsePlatform(wanted);
  if (!image.ok || !asked.ok) return available === wanted;
  const [left, right] = [image.platform, asked.platform];
  return (
    left.os === right.os &&
    left.architecture === right.architecture &&
    (!left.variantNamed || !right.variantNamed || left.variant === right.variant)
  );
}

/** The operating system of a platform, normalised (`linux`, `wasi`); undefined for non-platforms. */
export function platformOs(text: string): string | undefined {
  const parsed = parsePlatform(text);
  return parsed.ok ? parsed.platform.os : undefined;
}

/**
 * A list of platforms, each valid and none twice (`linux/arm64` and `linux/arm64/v8` are one):
 * the list, or the first problem with the value and the index it is about.
 */
export function checkPlatformList(
  platforms: readonly string[],
): { ok: true } | { ok: false; value: string; index: number; problem: string } {
  const seen = new Map<string, string>();
  for (const [index, platform] of platforms.entries()) {
    const problem = platformProblem(platform);
    if (problem !== undefined) return { ok: false, value: platform, index, problem };
    const earlier = seen.get(normalPlatform(platform));
    if (earlier !== undefined) {
      const same = earlier === platform ? '' : ` (${earlier} is the same platform)`;
      return { ok: false, value: platform, index, problem: `is listed twice${same}` };
    }
    seen.set(normalPlatform(platform), platform);
  }
  return { ok: true };
}

/**
 * The name of one platform of a service built for several: `api@linux/arm64`. Service names
 * cannot hold `@`, so the service is everything before the first one.
 */
export function platformUnitName(service: string, platform: string): string {
  return `${service}@${platform}`;
}

/** The service a unit name belongs to: `api` for `api@linux/arm64` and for `api`. */
export function serviceOfUnit(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

/** The platform in a unit name: `linux/arm64` for `api@linux/arm64`; undefined for `api`. */
export function platformOfUnit(name: string): string | undefined {
  const at = name.indexOf('@');
  return at < 0 ? undefined : name.slice(at + 1);
}

/** Platforms as a file or the inputs wrote them, with where, for messages about them. */
export interface PlatformList {
  readonly platforms: readonly string[];
  readonly file: string;
  readonly key: string;
}
