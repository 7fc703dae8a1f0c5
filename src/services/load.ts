import { INPUT_SOURCE, isNotFound } from '../core/errors.js';
import type { Environment } from '../core/model.js';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { readInputFile } from '../core/input-limits.js';
import { InputError } from '../core/errors.js';
import { mergeComposeFiles, parseComposeFile } from './compose.js';
import { parseConfigFile, type ConfigFile } from './config.js';
import { resolveServices, type ComposeProject, type PathOrigin } from './resolve.js';
import type { Limits, ServicePlan } from './types.js';
import type { PlatformList } from '../core/platforms.js';

/** Looked for, in this order, when neither the inputs nor the config name a compose file. */
export const COMPOSE_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
] as const;

export interface LoadServicesOptions {
  /** The repository root; every relative path below is relative to it. */
  readonly workingDirectory: string;
  readonly configPath: string;
  /** True when the user named the config: then a missing file is an error. */
  readonly configExplicit: boolean;
  /** The `compose-file` input; when given it wins over the config's `compose:`. */
  readonly composeFiles: readonly string[] | undefined;
  readonly filter: readonly string[];
  /** For `${VAR}` in compose files and build args written without a value. */
  readonly env: Environment;
  readonly runDefaults: Limits;
  /** The `platform` input: for services that name no platform of their own. */
  readonly runPlatforms?: PlatformList | undefined;
}

/**
 * Reads the config and compose files, resolves the services, and checks that every selected
 * service's build context and Dockerfile exist, so that a typo fails before any build starts.
 */
export async function loadServices(options: LoadServicesOptions): Promise<ServicePlan> {
  const workingDirectory = path.resolve(options.workingDirectory);
  const config = await readConfig(workingDirectory, options);
  const compose = await readCompose(workingDirectory, config, options);
  if (config === undefined && compose === undefined) {
    throw new InputError(
      INPUT_SOURCE,
      'config',
      options.configPath,
      `no config file and no compose file: looked for ${options.configPath}, ${COMPOSE_FILE_NAMES.join(', ')} in ${workingDirectory}; add ${options.configPath} or set the \`compose-file\` input`,
    );
  }
  const plan = resolveServices({
    workingDirectory,
    config,
    compose,
    filter: options.filter,
    runDefaults: options.runDefaults,
    runPlatforms: options.runPlatforms,
  });
  for (const service of plan.selected) {
    const origins = plan.origins.get(service.name);
    if (service.build === undefined || origins === undefined) continue;
    await requirePath(service.build.context, 'directory', origins.context);
    await requirePath(service.build.dockerfile, 'file', origins.dockerfile);
    await requireInside(workingDirectory, service.build.dockerfile, origins.dockerfile);
  }
  const { settings, all, selected, fullRun } = plan;
  return { settings, all, selected, fullRun };
}

async function readConfig(
  workingDirectory: string,
  options: LoadServicesOptions,
): Promise<ConfigFile | undefined> {
  const absolute = path.resolve(workingDirectory, options.configPath);
  const text = await readIfExists(absolute, INPUT_SOURCE, 'config');
  if (text === undefined) {
    if (!options.configExplicit) return undefined;
    throw new InputError(
      INPUT_SOURCE,
      'config',
      options.configPath,
      `config file not found: looked for ${absolute}`,
    );
  }
  return parseConfigFile(text, options.configPath);
}

async function readCompose(
  workingDirectory: string,
  config: ConfigFile | undefined,
  options: LoadServicesOptions,
): Promise<ComposeProject | undefined> {
  const named = namedComposeFiles(config, options);
  const files = named ?? (config === undefined ? await detectComposeFile(workingDirectory) : []);
  if (files.length === 0) return undefined;

  const parsed = [];
  for (const { file, source, key } of files) {
    const absolute = path.resolve(workingDirectory, file);
    const text = await readIfExists(absolute, source, key);
    if (text === undefined) {
      throw new InputError(source, key, file, `compose file not found: looked for ${absolute}`);
    }
    parsed.push(parseComposeFile(text, file, options.env));
  }
  const [first] = files;
  return {
    files: files.map(({ file }) => file),
    directory: path.dirname(path.resolve(workingDirectory, first?.file ?? '.')),
    services: mergeComposeFiles(parsed),
  };
}

interface NamedComposeFile {
  readonly file: string;
  /** Who named it, for the error when it is missing. */
  readonly source: string;
  readonly key: string;
}

function namedComposeFiles(
  config: ConfigFile | undefined,
  options: LoadServicesOptions,
): NamedComposeFile[] | undefined {
  const fromInput = options.composeFiles?.filter((file) => file.trim() !== '') ?? [];
  if (fromInput.length > 0) {
    return fromInput.map((file) => ({ file, source: INPUT_SOURCE, key: 'compose-file' }));
  }
  return config?.compose?.map((file) => ({ file, source: config.file, key: 'compose' }));
}

async function detectComposeFile(workingDirectory: string): Promise<NamedComposeFile[]> {
  for (const file of COMPOSE_FILE_NAMES) {
    if ((await pathKind(path.join(workingDirectory, file))) === 'file') {
      return [{ file, source: 'compose file', key: file }];
    }
  }
  return [];
}

/**
 * A config or compose file's text, undefined when it does not exist. What cannot be such a file
 * (a directory, `/dev/zero`, over 10 MB) is refused, naming the input that pointed at it.
 */
async function readIfExists(
  absolutePath: string,
  source: string,
  key: string,
): Promise<string | undefined> {
  try {
    return await readInputFile(absolutePath);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(source, key, absolutePath, error.problem);
  }
}

async function requirePath(
  absolutePath: string,
  expected: 'directory' | 'file',
  origin: PathOrigin,
): Promise<void> {
  const kind = await pathKind(absolutePath);
  if (kind === expected) return;
  const what = expected === 'directory' ? 'build context directory' : 'Dockerfile';
  const problem =
    kind === 'missing'
      ? `${what} not found: ${absolutePath}`
      : `${what} is not a ${expected}: ${absolutePath}`;
  throw new InputError(origin.file, origin.key, origin.value, problem);
}

/**
 * A Dockerfile must live inside the repository: build errors quote its lines, and a path such as
 * `../../secrets.env` would put another file's content into the report and the comment.
 */
async function requireInside(root: string, file: string, origin: PathOrigin): Promise<void> {
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
  const relative = path.relative(realRoot, realFile);
  if (relative.startsWith(`..${path.sep}`) || relative === '..' || path.isAbsolute(relative)) {
    throw new InputError(
      origin.file,
      origin.key,
      origin.value,
      `the Dockerfile must be inside the repository (${root})`,
    );
  }
}

async function pathKind(absolutePath: string): Promise<'file' | 'directory' | 'other' | 'missing'> {
  try {
    const stats = await stat(absolutePath);
    if (stats.isFile()) return 'file';
    return stats.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if (isNotFound(error)) return 'missing';
    throw error;
  }
}
