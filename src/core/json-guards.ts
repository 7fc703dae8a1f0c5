/**
 * Lenient guards for answers from GitHub and the engine: a missing or mistyped member reads as
 * undefined, never an error. (Documents users hand us are read strictly with `document.ts`.)
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The member when it is a string, else undefined. */
export function stringMember(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

export function objectArray(object: JsonObject, key: string): JsonObject[] {
  const value = object[key];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function stringArray(object: JsonObject, key: string): string[] | undefined {
  const value = object[key];
  if (!Array.isArray(value)) return undefined;
  return value.every((item): item is string => typeof item === 'string') ? value : undefined;
}

export function parseJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}
