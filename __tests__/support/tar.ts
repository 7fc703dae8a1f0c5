import { TarReader, type EntryHandler } from '../../src/measure/tar-reader.js';

/** Reads a whole stream through a TarReader. */
export async function readTar(source: AsyncIterable<Buffer>, onEntry: EntryHandler): Promise<void> {
  const reader = new TarReader(onEntry);
  for await (const chunk of source) await reader.push(chunk);
  reader.finish();
}
