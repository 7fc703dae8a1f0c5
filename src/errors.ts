/**
 * Bad input from the user's repository or workflow. The message names the file, the key and
 * the value, so it can be fixed without reading our code.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly file: string,
    readonly key: string,
    readonly value: unknown,
    readonly problem: string,
  ) {
    super(`${file}: ${key}: ${problem} (got ${describeValue(value)})`);
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return typeof value;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
