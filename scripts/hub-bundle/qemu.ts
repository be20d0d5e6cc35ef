// Runs an arm64 bundle on an x86 machine with Debian's qemu-user-static, so CI proves the bundle
// starts on a Raspberry Pi's CPU without one.
//
// qemu-user shows the guest the host's /proc/cpuinfo (x86 lines). onnxruntime's CPU detection
// (pytorch/cpuinfo) reads it while the library loads and dereferences a null pointer when it finds
// no ARM processor there: `qemu: uncaught target signal 11 (Segmentation fault) - core dumped`
// on `require('onnxruntime-node')` (QEMU 7.2, Debian 12). qemu-user looks up absolute paths in
// its -L prefix first, so the prefix below carries a Raspberry Pi 4's /proc/cpuinfo next to the
// aarch64 C libraries of Debian's cross toolchain (libc6-arm64-cross, libstdc++6-arm64-cross).
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const qemuBinary = '/usr/bin/qemu-aarch64-static';
const crossLibs = '/usr/aarch64-linux-gnu/lib';

/** Why an arm64 bundle cannot be run here, or null when it can. */
export function qemuMissing(): string | null {
  if (!existsSync(qemuBinary)) return `${qemuBinary} is missing (apt-get install qemu-user-static)`;
  if (!existsSync(join(crossLibs, 'ld-linux-aarch64.so.1')))
    return `${crossLibs}/ld-linux-aarch64.so.1 is missing (apt-get install g++-aarch64-linux-gnu)`;
  return null;
}

function raspberryPi4CpuInfo(): string {
  const core = (n: number) =>
    [
      `processor\t: ${n}`,
      'BogoMIPS\t: 108.00',
      'Features\t: fp asimd evtstrm crc32 cpuid',
      'CPU implementer\t: 0x41',
      'CPU architecture: 8',
      'CPU variant\t: 0x0',
      'CPU part\t: 0xd08',
      'CPU revision\t: 3',
      '',
    ].join('\n');
  return `${[0, 1, 2, 3].map(core).join('\n')}\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n`;
}

/** Makes the -L prefix in `dir` and returns the environment that runs aarch64 programs with it. */
export function qemuEnvironment(dir: string): Record<string, string> {
  mkdirSync(join(dir, 'proc'), { recursive: true });
  if (!existsSync(join(dir, 'lib'))) symlinkSync(crossLibs, join(dir, 'lib'));
  writeFileSync(join(dir, 'proc/cpuinfo'), raspberryPi4CpuInfo());
  return { QEMU_LD_PREFIX: dir };
}
