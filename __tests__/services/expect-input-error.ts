import { expect } from 'vitest';
import { InputError } from '../../src/core/errors.js';

/** Asserts that `run` throws an InputError whose message names every one of `parts`. */
export function expectInputError(run: () => unknown, parts: readonly string[]): InputError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  return checkInputError(caught, parts);
}

export async function expectInputErrorAsync(
  run: () => Promise<unknown>,
  parts: readonly string[],
): Promise<InputError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  return checkInputError(caught, parts);
}

function checkInputError(caught: unknown, parts: readonly string[]): InputError {
  expect(caught).toBeInstanceOf(InputError);
  if (!(caught instanceof InputError)) throw new Error('unreachable');
  for (const part of parts) expect(caught.message).toContain(part);
  return caught;
}
