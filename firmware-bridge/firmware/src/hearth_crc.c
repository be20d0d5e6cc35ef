/*
 * CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0x0000, check("123456789") = 0x29B1.
 * Catalogued as CRC-16/IBM-3740 (alias CRC-16/CCITT-FALSE) in Greg Cook's catalogue of parametrised CRC
 * algorithms: https://reveng.sourceforge.io/crc-catalogue/16.htm#crc.cat.crc-16-ibm-3740
 * Bitwise rather than table-driven: a 512-byte table does not fit an ATmega328P's 2 KiB of RAM budget
 * and frames are short. Must match firmware-bridge/src/crc16.ts.
 */
#include "hearth_crc.h"

uint16_t hearth_crc16(const uint8_t *data, size_t len, uint16_t crc) {
  for (size_t i = 0; i < len; i++) {
    crc ^= (uint16_t)data[i] << 8;
    for (uint8_t bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
  }
  return crc;
}
