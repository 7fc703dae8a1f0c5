import type { BuildSpec, Service } from '../services/types.js';

/** A service that was built (or names an existing image) and can now be measured. */
export interface BuiltImage {
  readonly service: Service;
  /** An image ID or reference the engine knows. */
  readonly reference: string;
  readonly method: 'buildx' | 'engine' | 'prebuilt';
}

export type BuildResult =
  | { readonly ok: true; readonly image: BuiltImage }
  | { readonly ok: false; readonly service: Service; readonly error: string };

export interface BuildJob {
  readonly serviceName: string;
  readonly build: BuildSpec;
  readonly platform: string | undefined;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly tag: string;
}

/** One way of building: buildx with the gha cache, or the engine's own BuildKit. */
export interface ImageBuilder {
  readonly method: 'buildx' | 'engine';
  build(job: BuildJob): Promise<{ imageId: string; logLines: readonly string[] }>;
}
