import { getExecOutput } from '@actions/exec';

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly env?: Record<string, string>;
}

/**
 * The one place that starts processes. Arguments are an argv array, never a shell string; a
 * non-zero exit is returned, not thrown, so callers decide what it means.
 */
export type Exec = (
  command: string,
  args: readonly string[],
  options?: ExecOptions,
) => Promise<ExecResult>;

export const execCommand: Exec = async (command, args, options = {}) => {
  try {
    const result = await getExecOutput(command, [...args], {
      ignoreReturnCode: true,
      silent: true,
      ...(options.env ? { env: options.env } : {}),
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    // A missing executable rejects instead of exiting: report it like a failed command.
    return {
      exitCode: 127,
      stdout: '',
      stderr: error instanceof Error ? error.message : String(error),
    };
  }
};
