import { createHash } from 'node:crypto';

/**
 * Bytes that look random (so no layer compresses to nothing), derived from a seed so a fixture
 * is the same on every run.
 */
export function seededBytes(size: number, seed: string): Buffer {
  const bytes = Buffer.alloc(size);
  let offset = 0;
  for (let counter = 0; offset < size; counter += 1) {
    offset += createHash('sha256').update(`${seed}:${counter}`).digest().copy(bytes, offset);
  }
  return bytes;
}
