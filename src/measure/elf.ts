import type { TarEntrySink } from './tar-reader.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** Section header tables larger than this are not an ordinary binary's: skip them. */
const MAX_SECTION_TABLE_BYTES = 1024 * 1024;
const SHT_SYMTAB = 2;

/**
 * Looks at a file's bytes as they pass: an ELF file whose section header table still has a
 * symbol table (SHT_SYMTAB, which `strip` removes) was not stripped. Reads the ELF header for
 * where the table is, then keeps only the table's bytes as they stream by.
 */
/** Where an ELF file's section header table is, and the part of it read so far. */
interface SectionTable {
  start: number;
  entrySize: number;
  count: number;
  little: boolean;
  bytes: Buffer;
  filled: number;
}

export function createElfScanner(onDone: (unstripped: boolean) => void): TarEntrySink {
  let offset = 0;
  let header: Buffer = Buffer.alloc(0);
  let table: SectionTable | undefined;
  let notElf = false;
  return {
    write(chunk) {
      if (notElf) return;
      if (!table) {
        header = Buffer.concat([header, chunk.subarray(0, Math.max(0, 64 - header.length))]);
        if (
          header.length >= ELF_MAGIC.length &&
          !ELF_MAGIC.every((byte, index) => header[index] === byte)
        ) {
          notElf = true;
          return;
        }
        if (header.length >= 64) {
          table = sectionTable(header);
          if (!table) notElf = true;
        }
      }
      if (table) {
        const end = table.start + table.bytes.length;
        const from = Math.max(table.start, offset);
        const to = Math.min(end, offset + chunk.length);
        if (from < to) {
          chunk.copy(table.bytes, from - table.start, from - offset, to - offset);
          table.filled += to - from;
        }
      }
      offset += chunk.length;
    },
    end() {
      if (notElf || !table || table.filled < table.bytes.length) {
        onDone(false);
        return;
      }
      const { bytes, entrySize, count, little } = table;
      let symbols = false;
      for (let index = 0; index < count && !symbols; index += 1) {
        const type = little
          ? bytes.readUInt32LE(index * entrySize + 4)
          : bytes.readUInt32BE(index * entrySize + 4);
        symbols = type === SHT_SYMTAB;
      }
      onDone(symbols);
    },
  };
}

/** Where the section header table is, from the 64-byte ELF header; undefined if unusable. */
function sectionTable(header: Buffer): SectionTable | undefined {
  const is64 = header[4] === 2;
  const little = header[5] === 1;
  const u16 = (at: number): number => (little ? header.readUInt16LE(at) : header.readUInt16BE(at));
  const start = is64
    ? Number(little ? header.readBigUInt64LE(0x28) : header.readBigUInt64BE(0x28))
    : little
      ? header.readUInt32LE(0x20)
      : header.readUInt32BE(0x20);
  const entrySize = u16(is64 ? 0x3a : 0x2e);
  const count = u16(is64 ? 0x3c : 0x30);
  const length = entrySize * count;
  if (start === 0 || count === 0 || entrySize < 8 || length > MAX_SECTION_TABLE_BYTES) {
    return undefined;
  }
  return { start, entrySize, count, little, bytes: Buffer.alloc(length), filled: 0 };
}
