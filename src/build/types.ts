import type { BuildSpec, Service } from '../services/types.js';

/** A service that was built (or names an existing image) and can now be measured. */
export interface BuiltImage {
  readonly service: Service;
  /** An image ID or reference the engine knows. */
  readonly reference: string;
  readonly method: 'buildx' | 'engine' | 'prebuilt';
  /** The platform it was built or pulled for, when one was asked for. */
  readonly platform: string | undefined;
  /** The final stage's base image, when the Dockerfile names one (not for prebuilt images). */
  readonly baseImage?: string | undefined;
}

export type BuildResult =
  | { readonly ok: true; readonly image: BuiltImage }
  | { readonly ok: false; readonly service: Service; readonly error: string };

export interface BuildJob {
  readonly serviceName: string;
  /** The service's build, with its own args. */
  readonly build: BuildSpec;
  /** The run-wide `build-args` input; the service's own args win over it. */
  readonly globalBuildArgs: Readonly<Record<string, string>>;
  readonly platform: string | undefined;
  readonly tag: string;
}

export class BuildFailure extends Error {
  override readonly name = 'BuildFailure';
  constructor(
    message: string,
    readonly logLines: readonly string[],
  ) {
    super(message);
  }
}

/** One way of building: buildx with the gha cache, or the engine's own BuildKit. */
export interface ImageBuilder {
  readonly method: 'buildx' | 'engine';
  build(job: BuildJob): Promise<{ imageId: string; logLines: readonly string[] }>;
}
