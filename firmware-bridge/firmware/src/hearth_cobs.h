/* Consistent Overhead Byte Stuffing (Cheshire & Baker, IEEE/ACM ToN 7(2), 1999) for Hearth frames. */
#ifndef HEARTH_COBS_H
#define HEARTH_COBS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes cobs_encode may write for `len` input bytes (the 0x00 delimiter not included). */
#define HEARTH_COBS_MAX_ENCODED(len) ((len) + ((len) + 253u) / 254u + 1u)

/* Stuffs `len` bytes into `out` (at least HEARTH_COBS_MAX_ENCODED(len) long); returns the length written. */
size_t hearth_cobs_encode(const uint8_t *in, size_t len, uint8_t *out);

/*
 * Unstuffs `len` bytes into `out` (at least `len` long), setting *out_len. Returns 0 on success, -1 when
 * the input contains a 0x00 or a code byte runs past the end. `out` may equal `in` (decoding in place).
 */
int hearth_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
