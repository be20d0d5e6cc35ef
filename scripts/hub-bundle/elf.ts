// Reads the machine a binary was built for from its ELF header, so a bundle for a Raspberry Pi can
// be checked on an x86 build machine without running anything from it.
import { closeSync, openSync, readSync } from 'node:fs';

/** The CPU architectures Hearth ships bundles for, in Node's `process.arch` spelling. */
export type TargetArch = 'arm64' | 'x64';

// ELF e_machine values (System V ABI, "Machine" table).
const machines: Record<number, string> = { 62: 'x64', 183: 'arm64', 40: 'arm', 3: 'ia32' };

export interface ElfInfo {
  /** `arm64`, `x64`, … or `machine 0x…` for one Hearth has no name for. */
  arch: string;
  /** 64 for ELFCLASS64, 32 for ELFCLASS32. */
  bits: 32 | 64;
}

/** The ELF header of `path`, or null when the file is not an ELF binary (a script, a Mach-O, a DLL). */
export function readElf(path: string): ElfInfo | null {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, header, 0, 20, 0) < 20) return null;
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return null;
  const bits = header[4] === 2 ? 64 : 32;
  // EI_DATA: 1 little-endian, 2 big-endian; e_machine is the half-word at offset 18.
  const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  return { arch: machines[machine] ?? `machine 0x${machine.toString(16)}`, bits };
}
