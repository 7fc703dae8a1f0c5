import { compareCodeUnits } from '../core/text.js';
import { childKey } from '../core/document.js';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { INPUT_SOURCE, InputError } from '../core/errors.js';
import type { ComposePath, ComposeService } from './compose.js';
import type { ConfigFile, ConfigService } from './config.js';
import { platformUnitName, type PlatformList } from '../core/platforms.js';
import type { BuildSpec, Limits, Service, ServicePlan } from './types.js';

/** The services of all compose files in use, merged (see mergeComposeFiles). */
export interface ComposeProject {
  /** The compose files, as the user named them, for messages. */
  readonly files: readonly string[];
  /** Absolute: the first compose file's directory, against which compose paths resolve. */
  readonly directory: string;
  readonly services: readonly ComposeService[];
}

export interface ResolveServicesArgs {
  /** Absolute: the repository root, against which config paths resolve. */
  readonly workingDirectory: string;
  readonly config: ConfigFile | undefined;
  readonly compose: ComposeProject | undefined;
  /** Names or globs from the `services` input; empty selects every service. */
  readonly filter: readonly string[];
  /** Limits from the action inputs, used where the config sets none. */
  readonly runDefaults: Limits;
  /** The `platform` input: for every service that names no platform of its own. */
  readonly runPlatforms?: PlatformList | undefined;
}

/** Where a build path was written, so that a missing directory can be blamed on its line. */
export interface PathOrigin {
  readonly file: string;
  readonly key: string;
  /** The path as written (or the default it fell back to). */
  readonly value: string;
}

export interface BuildOrigins {
  readonly context: PathOrigin;
  readonly dockerfile: PathOrigin;
}

export interface ResolvedPlan extends ServicePlan {
  /** By service name, for every service that is built. */
  readonly origins: ReadonlyMap<string, BuildOrigins>;
}

interface ResolvedService {
  readonly service: Service;
  readonly origins: BuildOrigins | undefined;
}

interface LocatedPath extends PathOrigin {
  /** Absolute directory that a relative `value` is relative to. */
  readonly base: string;
}

/**
 * Combines config and compose services into the plan. A config entry overrides the compose
 * service of the same name field by field; limits come from the config service, else the config
 * `defaults`, else the run defaults. `workingDirectory` and `compose.directory` must be absolute.
 */
export function resolveServices(args: ResolveServicesArgs): ResolvedPlan {
  const { config, compose } = args;
  const configServices = indexByName(config?.services ?? [], config?.file ?? '');
  const composeServices = indexByName(compose?.services ?? [], compose?.files.join(', ') ?? '');
  const names = [...new Set([...configServices.keys(), ...composeServices.keys()])].sort(
    compareCodeUnits,
  );
  if (names.length === 0) throw noServicesError(config, compose);

  const resolved = names.flatMap((name) =>
    perPlatform(resolveService(name, configServices.get(name), composeServices.get(name), args)),
  );
  const all = resolved.map(({ service }) => service);
  const selected = selectServices(all, args.filter);
  const origins = new Map<string, BuildOrigins>();
  for (const { service, origins: serviceOrigins } of resolved) {
    if (serviceOrigins !== undefined) origins.set(service.name, serviceOrigins);
  }
  return {
    settings: { metric: config?.metric, totalBudget: config?.totalBudget },
    all,
    selected,
    fullRun: selected.length === all.length,
    origins,
  };
}

function indexByName<T extends { readonly name: string }>(
  services: readonly T[],
  file: string,
): Map<string, T> {
  const byName = new Map<string, T>();
  for (const service of services) {
    if (byName.has(service.name)) {
      throw new InputError(
        file,
        childKey('services', service.name),
        service.name,
        'is defined twice; each service may appear once',
      );
    }
    byName.set(service.name, service);
  }
  return byName;
}

/**
 * A service with several platforms becomes one service per platform, named
 * `<service>@<platform>`: each is built, measured, compared and kept in the baseline on its own,
 * so an arm64 image is never compared with an amd64 one.
 */
function perPlatform(
  resolved: ResolvedService & { readonly platforms: PlatformList | undefined },
): ResolvedService[] {
  const { service, origins, platforms } = resolved;
  const origin = platforms === undefined ? undefined : { file: platforms.file, key: platforms.key };
  const list = platforms?.platforms ?? [];
  if (list.length < 2) {
    return [{ service: { ...service, platform: list[0], platformOrigin: origin }, origins }];
  }
  return list.map((platform) => ({
    service: {
      ...service,
      name: platformUnitName(service.baseName, platform),
      platform,
      platformOrigin: origin,
    },
    origins,
  }));
}

function resolveService(
  name: string,
  configEntry: ConfigService | undefined,
  composeEntry: ComposeService | undefined,
  args: ResolveServicesArgs,
): ResolvedService & { readonly platforms: PlatformList | undefined } {
  const configFile = args.config?.file ?? '';
  const limits = resolveLimits(configEntry, args);
  const platforms = configEntry?.platforms ?? composeEntry?.platforms ?? args.runPlatforms;
  const unit = { name, baseName: name, platform: undefined, platformOrigin: undefined, limits };
  if (configEntry?.image !== undefined) {
    const service = { ...unit, definedIn: configFile, build: undefined, image: configEntry.image };
    return { service, origins: undefined, platforms };
  }

  const context = contextOf(name, configEntry, composeEntry, args);
  const contextPath = absolutePath(context);
  const dockerfile = dockerfileOf(name, configEntry, composeEntry, context, contextPath, args);
  const build: BuildSpec = {
    context: contextPath,
    dockerfile: absolutePath(dockerfile),
    target: configEntry?.target ?? composeEntry?.target,
    args: { ...composeEntry?.args, ...configEntry?.args },
  };
  const service = { ...unit, definedIn: context.file, build, image: undefined };
  return {
    service,
    platforms,
    origins: {
      context: { file: context.file, key: context.key, value: context.value },
      dockerfile: { file: dockerfile.file, key: dockerfile.key, value: dockerfile.value },
    },
  };
}

function contextOf(
  name: string,
  configEntry: ConfigService | undefined,
  composeEntry: ComposeService | undefined,
  args: ResolveServicesArgs,
): LocatedPath {
  const configFile = args.config?.file ?? '';
  const keyPath = childKey('services', name);
  if (configEntry?.context !== undefined) {
    return {
      file: configFile,
      key: childKey(keyPath, 'context'),
      value: configEntry.context,
      base: args.workingDirectory,
    };
  }
  if (composeEntry !== undefined && args.compose !== undefined) {
    return fromCompose(
      composeEntry.context ?? {
        path: '.',
        file: composeEntry.file,
        key: childKey(childKey(keyPath, 'build'), 'context'),
      },
      args.compose.directory,
    );
  }
  throw new InputError(
    configFile,
    childKey(keyPath, 'context'),
    undefined,
    `is required: set \`context\` to build the service or \`image\` to measure an existing image${
      args.compose === undefined ? '' : `; no compose service is named "${name}"`
    }`,
  );
}

function dockerfileOf(
  name: string,
  configEntry: ConfigService | undefined,
  composeEntry: ComposeService | undefined,
  context: LocatedPath,
  contextPath: string,
  args: ResolveServicesArgs,
): LocatedPath {
  const keyPath = childKey('services', name);
  if (configEntry?.dockerfile !== undefined) {
    return {
      file: args.config?.file ?? '',
      key: childKey(keyPath, 'dockerfile'),
      value: configEntry.dockerfile,
      base: contextPath,
    };
  }
  if (composeEntry?.dockerfile !== undefined) {
    return fromCompose(composeEntry.dockerfile, contextPath);
  }
  // Unwritten: blame the default on the file that chose the context.
  const fromConfig = configEntry?.context !== undefined;
  return {
    file: context.file,
    key: fromConfig
      ? childKey(keyPath, 'dockerfile')
      : childKey(childKey(keyPath, 'build'), 'dockerfile'),
    value: 'Dockerfile',
    base: contextPath,
  };
}

function fromCompose(written: ComposePath, base: string): LocatedPath {
  return { file: written.file, key: written.key, value: written.path, base };
}

const REMOTE_CONTEXT = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

function absolutePath(located: LocatedPath): string {
  if (REMOTE_CONTEXT.test(located.value)) {
    throw new InputError(
      located.file,
      located.key,
      located.value,
      'remote build contexts are not supported; use a directory of the repository',
    );
  }
  return path.resolve(located.base, located.value);
}

function resolveLimits(configEntry: ConfigService | undefined, args: ResolveServicesArgs): Limits {
  const own = configEntry?.limits;
  const defaults = args.config?.defaults;
  const run = args.runDefaults;
  return {
    budget: own?.budget ?? defaults?.budget ?? run.budget,
    maxIncrease: own?.maxIncrease ?? defaults?.maxIncrease ?? run.maxIncrease,
    warnIncrease: own?.warnIncrease ?? defaults?.warnIncrease ?? run.warnIncrease,
    maxCreep: own?.maxCreep ?? defaults?.maxCreep ?? run.maxCreep,
    ignoreBelow: own?.ignoreBelow ?? defaults?.ignoreBelow ?? run.ignoreBelow,
    maxWasted: own?.maxWasted ?? defaults?.maxWasted ?? run.maxWasted,
    minEfficiency: own?.minEfficiency ?? defaults?.minEfficiency ?? run.minEfficiency,
    maxLayers: own?.maxLayers ?? defaults?.maxLayers ?? run.maxLayers,
    // `false` written in the config turns off a `true` from a lower level.
    noNewLayers: own?.noNewLayers ?? defaults?.noNewLayers ?? run.noNewLayers,
  };
}

const LISTED_NAMES = 20;

function selectServices(all: readonly Service[], filter: readonly string[]): readonly Service[] {
  const patterns = filter.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
  if (patterns.length === 0) return all;
  const selectedNames = new Set<string>();
  for (const pattern of patterns) {
    // `api` selects every platform of api; `api@linux/arm64` one of them.
    const matches = all.filter((service) =>
      [service.name, service.baseName].some((name) => name === pattern || minimatch(name, pattern)),
    );
    if (matches.length === 0) {
      const names = all.map((service) => service.name);
      const listed = names.slice(0, LISTED_NAMES).join(', ');
      const more = names.length > LISTED_NAMES ? ` and ${names.length - LISTED_NAMES} more` : '';
      throw new InputError(
        INPUT_SOURCE,
        'services',
        pattern,
        `matches no service; the services are ${listed}${more}`,
      );
    }
    for (const service of matches) selectedNames.add(service.name);
  }
  return all.filter((service) => selectedNames.has(service.name));
}

function noServicesError(config: ConfigFile | undefined, compose: ComposeProject | undefined) {
  const composeFiles = compose?.files.join(', ');
  if (config !== undefined) {
    const imported =
      composeFiles === undefined ? '' : `, and ${composeFiles} has no service with a \`build:\``;
    return new InputError(
      config.file,
      'services',
      undefined,
      `no service to measure: the config lists none${imported}`,
    );
  }
  return new InputError(
    composeFiles ?? '(no config or compose file)',
    'services',
    undefined,
    'no service to measure: no compose service has a `build:` section; add one, or list services in the config file',
  );
}
