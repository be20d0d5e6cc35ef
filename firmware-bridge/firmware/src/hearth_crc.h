/* CRC-16/CCITT-FALSE for Hearth serial frames. See hearth_crc.c for the parameters and reference. */
#ifndef HEARTH_CRC_H
#define HEARTH_CRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HEARTH_CRC_INIT 0xFFFFu

/* Continues a CRC over `len` bytes; start with HEARTH_CRC_INIT. */
uint16_t hearth_crc16(const uint8_t *data, size_t len, uint16_t crc);

#ifdef __cplusplus
}
#endif

#endif
