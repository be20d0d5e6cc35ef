import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * GPIO controllers that drive the Raspberry Pi's 40-pin header, by their sysfs label: the Pi 5's
 * RP1 southbridge, the Pi 4's BCM2711, the BCM2835 of earlier boards.
 */
const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

/** A GPIO controller as sysfs describes it. */
export interface GpioChip {
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

/** Thrown when a header pin cannot be mapped to a sysfs line; the message names the fix. */
export class GpioUnavailableError extends Error {
  readonly code = 'GPIO_UNAVAILABLE';
}

/** Reads every `gpiochipN` under the sysfs GPIO class directory. */
export function readGpioChips(sysfsGpio = '/sys/class/gpio'): GpioChip[] {
  if (!existsSync(sysfsGpio)) {
    throw new GpioUnavailableError(
      `sysfs GPIO is missing (${sysfsGpio} does not exist): this kernel was built without CONFIG_GPIO_SYSFS ` +
        'or the directory is not mounted. Use a Raspberry Pi OS kernel (it has sysfs GPIO), or in a container ' +
        `bind-mount ${sysfsGpio} and /sys/devices; until then GPIO sensors stay unavailable.`,
    );
  }
  return readdirSync(sysfsGpio)
    .filter((name) => name.startsWith('gpiochip'))
    .map((name) => {
      const read = (file: string) => readFileSync(join(sysfsGpio, name, file), 'utf8').trim();
      return { name, label: read('label'), base: Number(read('base')), ngpio: Number(read('ngpio')) };
    })
    .sort((a, b) => a.base - b.base);
}

/**
 * The sysfs line number of header GPIO `bcmPin` (the "GPIO17" numbering printed on pinout
 * charts). Kernels 6.6 and later give every chip a base offset (512 on a Pi 4, 571 on a Pi 5), so
 * `/sys/class/gpio/export` wants base + pin, not the pin itself.
 */
export function resolveHeaderLine(bcmPin: number, chips: GpioChip[]): number {
  if (!Number.isInteger(bcmPin) || bcmPin < 0) {
    throw new GpioUnavailableError(`GPIO pin must be a whole number like 17 (BCM numbering), got ${bcmPin}`);
  }
  const header = HEADER_CHIP_LABELS.map((label) => chips.find((c) => c.label === label)).find(Boolean);
  if (!header) {
    const seen = chips.map((c) => `${c.name} "${c.label}"`).join(', ') || 'none';
    throw new GpioUnavailableError(
      `no GPIO controller for the 40-pin header was found (chips: ${seen}); is this a Raspberry Pi?`,
    );
  }
  // The header carries GPIO0–27 on every model; the RP1 has more lines, but not on the header.
  if (bcmPin > 27 || bcmPin >= header.ngpio) {
    throw new GpioUnavailableError(`GPIO${bcmPin} is not on the 40-pin header (GPIO0–GPIO27 are)`);
  }
  return header.base + bcmPin;
}
