import type { BuildSpec, Service } from '../services/types.js';

/** A service that was built (or names an existing image) and can now be measured. */
export interface BuiltImage {
  readonly service: Service;
  /**
   * A name the engine knows on every image store: the local tag a build gave it, or the
   * prebuilt reference. Never an image ID: the classic store names images by their config
   * digest, the containerd store by their manifest digest.
   */
  readonly reference: string;
  /** The config digest the builder reported, to check that the tag still names that image. */
  readonly configDigest?: string | undefined;
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
  /** `image-size-gate/<service>:latest`, so a person can find the image after the run. */
  readonly tag: string;
  /**
   * A tag only this run uses, by which the image is measured: another run building the same
   * service on the same engine moves `:latest`, never this one.
   */
  readonly runTag: string;
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

export interface BuildOutcome {
  /** The job's run tag: the name the built image is measured by. */
  readonly reference: string;
  /** The image config digest, where the builder reports it (buildx's `--iidfile`). */
  readonly configDigest?: string | undefined;
  readonly logLines: readonly string[];
}

/** One way of building: buildx with the gha cache, or the engine's own BuildKit. */
export interface ImageBuilder {
  readonly method: 'buildx' | 'engine';
  build(job: BuildJob): Promise<BuildOutcome>;
}
