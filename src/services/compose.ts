import {
  childIndex,
  childKey,
  isMapping,
  rejectUnknownKeys,
  type Mapping,
} from '../core/document.js';
import type { Environment } from '../core/model.js';
import { environmentValue, interpolate } from './interpolate.js';
import { SERVICE_NAME_PATTERN } from '../core/model.js';
import { InputError } from '../core/errors.js';
import { checkPlatformList, type PlatformList } from '../core/platforms.js';
import { optionalMapping, optionalString, parseYaml } from '../core/yaml.js';

/** Variables for `${VAR}` interpolation and for build args written without a value. */

/** A path as written in a compose file, and where, so that errors can point at it. */
export interface ComposePath {
  readonly path: string;
  readonly file: string;
  readonly key: string;
}

/**
 * A compose service with a `build:` section. As in compose, `context` is relative to the project
 * directory (the first compose file's directory) and `dockerfile` relative to the context;
 * absolute paths stay absolute. An undefined context means the project directory.
 */
export interface ComposeService {
  readonly name: string;
  /** The compose file that defines the service (the last one, when several do). */
  readonly file: string;
  readonly context: ComposePath | undefined;
  readonly dockerfile: ComposePath | undefined;
  readonly target: string | undefined;
  readonly args: Readonly<Record<string, string>>;
  /** `build.platforms`, else the service's `platform`; undefined when neither is set. */
  readonly platforms: PlatformList | undefined;
}

interface BuildSection {
  readonly context: ComposePath | undefined;
  readonly dockerfile: ComposePath | undefined;
  readonly target: string | undefined;
  readonly args: Readonly<Record<string, string>>;
  readonly platforms: PlatformList | undefined;
}

interface ServiceBuild {
  readonly build: BuildSection | undefined;
  readonly platform: PlatformList | undefined;
}

/**
 * Reads the services of one compose file that have a `build:` section; services that only name
 * an `image:` (postgres, redis…) are not ours to measure and are left out.
 *
 * Build args written without a value (`- KEY` or `KEY:`) take the value of KEY in `environment`
 * and are dropped when it is unset, as compose does. Every one of `build.platforms` is measured
 * (they are what compose builds); without them, the service-level `platform:`. `extends` works
 * within the same file.
 */
export function parseComposeFile(
  text: string,
  file: string,
  environment: Environment = {},
): ComposeService[] {
  const root = optionalMapping(
    parseYaml(text, file),
    '(top level)',
    file,
    'a mapping with a `services` key',
  );
  if (root.include !== undefined) {
    throw new InputError(
      file,
      'include',
      root.include,
      'is not supported; list the included compose files in the `compose-file` input instead',
    );
  }
  const definitions = optionalMapping(
    root.services,
    'services',
    file,
    'a mapping of service names to definitions',
  );
  const reader = new ComposeReader(file, definitions, environment);
  const services: ComposeService[] = [];
  for (const name of Object.keys(definitions)) {
    const { build, platform } = reader.serviceBuild(name, []);
    if (build === undefined) continue;
    if (!SERVICE_NAME_PATTERN.test(name)) {
      throw new InputError(
        file,
        childKey('services', name),
        name,
        'is not a valid service name: use letters, digits, and _ . - (not first)',
      );
    }
    services.push({
      name,
      file,
      context: build.context,
      dockerfile: build.dockerfile,
      target: build.target,
      args: build.args,
      platforms: build.platforms ?? platform,
    });
  }
  return services;
}

/**
 * Combines the services of several compose files as `docker compose -f a -f b` does: a later
 * file overrides an earlier one field by field, and build args key by key.
 */
export function mergeComposeFiles(files: readonly (readonly ComposeService[])[]): ComposeService[] {
  const byName = new Map<string, ComposeService>();
  for (const services of files) {
    for (const service of services) {
      const earlier = byName.get(service.name);
      byName.set(
        service.name,
        earlier === undefined
          ? service
          : {
              name: service.name,
              file: service.file,
              context: service.context ?? earlier.context,
              dockerfile: service.dockerfile ?? earlier.dockerfile,
              target: service.target ?? earlier.target,
              args: { ...earlier.args, ...service.args },
              platforms: service.platforms ?? earlier.platforms,
            },
      );
    }
  }
  return [...byName.values()];
}

class ComposeReader {
  constructor(
    private readonly file: string,
    private readonly definitions: Mapping,
    private readonly environment: Environment,
  ) {}

  serviceBuild(name: string, extending: readonly string[]): ServiceBuild {
    const keyPath = childKey('services', name);
    const definition = this.definitions[name];
    if (!isMapping(definition)) {
      throw new InputError(this.file, keyPath, definition, 'must be a mapping');
    }
    const base = this.extendedBuild(definition.extends, childKey(keyPath, 'extends'), [
      ...extending,
      name,
    ]);
    const own =
      definition.build === undefined
        ? undefined
        : this.buildSection(definition.build, childKey(keyPath, 'build'));
    const platformKey = childKey(keyPath, 'platform');
    const platformText = this.optionalText(definition.platform, platformKey);
    const platform =
      platformText === undefined ? undefined : this.platformList([platformText], platformKey);
    return {
      build: mergeBuildSections(base?.build, own),
      platform: platform ?? base?.platform,
    };
  }

  private extendedBuild(
    value: unknown,
    keyPath: string,
    extending: readonly string[],
  ): ServiceBuild | undefined {
    if (value === undefined) return undefined;
    let baseName: unknown = value;
    if (isMapping(value)) {
      if (value.file !== undefined) {
        throw new InputError(
          this.file,
          childKey(keyPath, 'file'),
          value.file,
          'extending a service of another file is not supported; list that file in the `compose-file` input or define the build here',
        );
      }
      baseName = value.service;
    }
    if (typeof baseName !== 'string' || !isMapping(this.definitions[baseName])) {
      throw new InputError(
        this.file,
        keyPath,
        value,
        'must name another service of this file (`extends: base` or `extends: { service: base }`)',
      );
    }
    if (extending.includes(baseName)) {
      throw new InputError(
        this.file,
        keyPath,
        value,
        `extends in a circle: ${[...extending, baseName].join(' → ')}`,
      );
    }
    return this.serviceBuild(baseName, extending);
  }

  private buildSection(value: unknown, keyPath: string): BuildSection {
    if (typeof value === 'string') {
      return {
        context: this.path(value, keyPath),
        dockerfile: undefined,
        target: undefined,
        args: {},
        platforms: undefined,
      };
    }
    if (!isMapping(value)) {
      throw new InputError(
        this.file,
        keyPath,
        value,
        'must be a context path or a mapping with `context`, `dockerfile`, `target`, `args`',
      );
    }
    rejectUnknownKeys(value, COMPOSE_BUILD_KEYS, keyPath, this.file);
    if (value.dockerfile_inline !== undefined) {
      throw new InputError(
        this.file,
        childKey(keyPath, 'dockerfile_inline'),
        value.dockerfile_inline,
        'inline Dockerfiles are not supported; move it to a file and name it in `dockerfile`',
      );
    }
    return {
      context: this.optionalPath(value.context, childKey(keyPath, 'context')),
      dockerfile: this.optionalPath(value.dockerfile, childKey(keyPath, 'dockerfile')),
      target: this.optionalText(value.target, childKey(keyPath, 'target')),
      args: this.args(value.args, childKey(keyPath, 'args')),
      platforms: this.platforms(value.platforms, childKey(keyPath, 'platforms')),
    };
  }

  private args(value: unknown, keyPath: string): Record<string, string> {
    const args: Record<string, string> = {};
    if (value === undefined || value === null) return args;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        const itemKey = childIndex(keyPath, index);
        if (typeof item !== 'string') {
          throw new InputError(this.file, itemKey, item, 'must be `KEY=VALUE` or `KEY`');
        }
        const text = interpolate(item, this.environment, this.file, itemKey);
        const separator = text.indexOf('=');
        const name = separator === -1 ? text : text.slice(0, separator);
        if (name.trim() === '') {
          throw new InputError(this.file, itemKey, item, 'must be `KEY=VALUE` or `KEY`');
        }
        const argValue =
          separator === -1 ? environmentValue(this.environment, name) : text.slice(separator + 1);
        if (argValue !== undefined) args[name] = argValue;
      });
      return args;
    }
    if (!isMapping(value)) {
      throw new InputError(
        this.file,
        keyPath,
        value,
        'must be a mapping (`KEY: value`) or a list (`- KEY=value`)',
      );
    }
    for (const [name, argValue] of Object.entries(value)) {
      const argKey = childKey(keyPath, name);
      if (argValue === null) {
        const fromEnvironment = environmentValue(this.environment, name);
        if (fromEnvironment !== undefined) args[name] = fromEnvironment;
      } else if (typeof argValue === 'string') {
        args[name] = interpolate(argValue, this.environment, this.file, argKey);
      } else {
        throw new InputError(
          this.file,
          argKey,
          argValue,
          'must be a string, a number or a boolean',
        );
      }
    }
    return args;
  }

  private platforms(value: unknown, keyPath: string): PlatformList | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length === 0) {
      throw new InputError(this.file, keyPath, value, 'must be a list such as [linux/amd64]');
    }
    const platforms = value.map((item, index) => {
      const text = this.optionalText(item, childIndex(keyPath, index));
      if (text === undefined) {
        throw new InputError(this.file, childIndex(keyPath, index), item, 'must be a platform');
      }
      return text;
    });
    return this.platformList(platforms, keyPath, true);
  }

  /** Every platform known and none twice; `indexed` names a bad one by its list index. */
  private platformList(platforms: string[], keyPath: string, indexed = false): PlatformList {
    const checked = checkPlatformList(platforms);
    if (!checked.ok) {
      const key = indexed ? childIndex(keyPath, checked.index) : keyPath;
      throw new InputError(this.file, key, checked.value, checked.problem);
    }
    return { platforms, file: this.file, key: keyPath };
  }

  private optionalPath(value: unknown, keyPath: string): ComposePath | undefined {
    const text = optionalString(value, keyPath, this.file);
    return text === undefined ? undefined : this.path(text, keyPath);
  }

  private path(value: string, keyPath: string): ComposePath {
    const path = interpolate(value, this.environment, this.file, keyPath);
    if (path.trim() === '') {
      throw new InputError(this.file, keyPath, value, 'must be a non-empty path');
    }
    return { path, file: this.file, key: keyPath };
  }

  private optionalText(value: unknown, keyPath: string): string | undefined {
    const text = optionalString(value, keyPath, this.file);
    return text === undefined ? undefined : interpolate(text, this.environment, this.file, keyPath);
  }
}

function mergeBuildSections(
  base: BuildSection | undefined,
  own: BuildSection | undefined,
): BuildSection | undefined {
  if (base === undefined || own === undefined) return own ?? base;
  return {
    context: own.context ?? base.context,
    dockerfile: own.dockerfile ?? base.dockerfile,
    target: own.target ?? base.target,
    args: { ...base.args, ...own.args },
    platforms: own.platforms ?? base.platforms,
  };
}

/**
 * Every key the Compose specification allows under `build:`. Compose refuses others, so a typo
 * (`contxt:`) is named here instead of surfacing later as a missing `./Dockerfile`.
 */
const COMPOSE_BUILD_KEYS = [
  'context',
  'dockerfile',
  'dockerfile_inline',
  'args',
  'ssh',
  'cache_from',
  'cache_to',
  'additional_contexts',
  'entitlements',
  'extra_hosts',
  'isolation',
  'labels',
  'network',
  'no_cache',
  'platforms',
  'privileged',
  'provenance',
  'pull',
  'sbom',
  'secrets',
  'shm_size',
  'tags',
  'target',
  'ulimits',
] as const;
