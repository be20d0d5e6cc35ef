/**
 * CRC-16/CCITT-FALSE, the variant the serial frames use: poly 0x1021, init 0xFFFF, no input or output
 * reflection, xorout 0x0000; check value for "123456789" is 0x29B1. The Greg Cook CRC catalogue lists
 * it as CRC-16/IBM-3740 (alias CRC-16/CCITT-FALSE, CRC-16/AUTOSAR):
 * https://reveng.sourceforge.io/crc-catalogue/16.htm#crc.cat.crc-16-ibm-3740
 * The C firmware implements the same bitwise loop (firmware/src/hearth_crc.c) so both sides agree
 * without a 512-byte table, which an 8-bit microcontroller cannot spare.
 */
export function crc16CcittFalse(data: Uint8Array, initial = 0xffff): number {
  let crc = initial;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}
