import type { BuildMethod } from '../core/model.js';
import type { BuildSpec } from '../services/types.js';
import type { StepCount } from './progress.js';

export type { StepCount } from './progress.js';

/** Whether builds use the GitHub Actions cache, and in a few words why or how. */
export interface CacheState {
  readonly on: boolean;
  /** `gha v1, read and write`; `off: ACTIONS_RUNTIME_TOKEN not set`; … */
  readonly note: string;
}

/** How one service's image came to be: for the report, never for the verdict. */
export interface BuildInfo {
  readonly method: BuildMethod;
  /** Wall-clock seconds of the build (or the pull of a prebuilt image). */
  readonly seconds: number;
  readonly cache: CacheState;
  /** Dockerfile steps, and how many were cached; absent when the builder did not say. */
  readonly steps?: StepCount | undefined;
}

/** A service that was built (or names an existing image) and can now be measured. */
export interface BuiltImage {
  /**
   * A name the engine knows on every image store: the local tag a build gave it, or the
   * prebuilt reference. Never an image ID: the classic store names images by their config
   * digest, the containerd store by their manifest digest.
   */
  readonly reference: string;
  /** The config digest the builder reported, to check that the tag still names that image. */
  readonly configDigest?: string | undefined;
  /**
   * An OCI layout directory holding the image, when the builder exported one instead of loading
   * it into the engine: measured from there, then deleted.
   */
  readonly ociLayout?: string | undefined;
  readonly method: BuildMethod;
  /** The final stage's base image, when the Dockerfile names one (not for prebuilt images). */
  readonly baseImage?: string | undefined;
}

export type BuildResult =
  | { readonly ok: true; readonly image: BuiltImage; readonly info: BuildInfo }
  | {
      readonly ok: false;
      readonly error: string;
      readonly info?: BuildInfo | undefined;
    };

export interface BuildJob {
  readonly serviceName: string;
  /** The service's build, with its own args. */
  readonly build: BuildSpec;
  /** The run-wide `build-args` input; the service's own args win over it. */
  readonly globalBuildArgs: Readonly<Record<string, string>>;
  readonly platform: string | undefined;
  /** Several platforms in one build, into one OCI layout (builders that build them together). */
  readonly multiPlatform?: readonly string[] | undefined;
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
    readonly steps?: StepCount,
    /** Set when this build's cache differed from the builder's (BuildKit could not set it up). */
    readonly cache?: CacheState,
  ) {
    super(message);
  }
}

export interface BuildOutcome {
  /** The job's run tag: the name the built image is measured by. */
  readonly reference: string;
  /** The image config digest, where the builder reports it (buildx's `--iidfile`). */
  readonly configDigest?: string | undefined;
  /** Set when the image was exported to this OCI layout directory instead of being loaded. */
  readonly ociLayout?: string | undefined;
  readonly logLines: readonly string[];
  readonly steps?: StepCount | undefined;
  /**
   * Set when this build's cache differed from the builder's: BuildKit could not set it up, or
   * it failed to restore or save in a build that went on.
   */
  readonly cache?: CacheState | undefined;
}

/** One way of building: buildx with the gha cache, or the engine's own BuildKit. */
export interface ImageBuilder {
  readonly method: 'buildx' | 'engine';
  /** The same for every service of a run. */
  readonly cache: CacheState;
  /** Platforms the builder says it can build (buildx inspect); undefined when it does not say. */
  readonly platforms?: readonly string[] | undefined;
  /** True when one build can make several platforms (buildx exporting an OCI layout). */
  readonly buildsPlatformsTogether?: boolean | undefined;
  /** True when images go to an OCI layout, never into the engine's store (which may refuse them). */
  readonly exportsOciLayout?: boolean | undefined;
  build(job: BuildJob): Promise<BuildOutcome>;
}
