/**
 * Platforms (`os/architecture[/variant]`) as OCI and Docker name them, and the names of the
 * services measured once per platform.
 */

/** Operating systems images are built for (Go's GOOS values that Docker builds). */
const KNOWN_OS = ['linux', 'windows', 'freebsd', 'darwin', 'wasip1'] as const;

/** Architectures (Go's GOARCH values, as OCI image configs and indexes use them). */
const KNOWN_ARCHITECTURES = [
  '386',
  'amd64',
  'arm',
  'arm64',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'ppc64',
  'ppc64le',
  'riscv64',
  's390x',
  'wasm',
] as const;

/** Why `text` is not a known platform, or undefined when it is one. */
export function platformProblem(text: string): string | undefined {
  const match = /^([a-z0-9_]+)\/([a-z0-9_]+)(?:\/([a-z0-9_.]+))?$/.exec(text);
  if (!match) {
    return 'is not a platform: write os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8';
  }
  const [, os = '', architecture = ''] = match;
  if (!(KNOWN_OS as readonly string[]).includes(os)) {
    return `is not a known platform: the operating system "${os}" is none of ${KNOWN_OS.join(', ')}`;
  }
  if (!(KNOWN_ARCHITECTURES as readonly string[]).includes(architecture)) {
    return `is not a known platform: the architecture "${architecture}" is none of ${KNOWN_ARCHITECTURES.join(', ')}`;
  }
  return undefined;
}

/**
 * The one spelling of a platform: `linux/arm64/v8` is `linux/arm64`, `linux/amd64/v1` is
 * `linux/amd64`, as containerd's platform matcher treats them.
 */
export function normalPlatform(platform: string): string {
  return platform.replace(/^(\w+\/arm64)\/v8$/, '$1').replace(/^(\w+\/amd64)\/v1$/, '$1');
}

export function samePlatform(left: string, right: string): boolean {
  return normalPlatform(left) === normalPlatform(right);
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
