/* Must produce the same bytes as firmware-bridge/src/cobs.ts; the shared vectors check both. */
#include "hearth_cobs.h"

size_t hearth_cobs_encode(const uint8_t *in, size_t len, uint8_t *out) {
  size_t code_index = 0;
  size_t write = 1;
  uint8_t code = 1;
  for (size_t i = 0; i < len; i++) {
    if (in[i] == 0) {
      out[code_index] = code;
      code_index = write++;
      code = 1;
      continue;
    }
    out[write++] = in[i];
    code++;
    if (code == 0xFF) {
      out[code_index] = code;
      code_index = write++;
      code = 1;
    }
  }
  out[code_index] = code;
  return write;
}

int hearth_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t *out_len) {
  size_t read = 0;
  size_t write = 0;
  while (read < len) {
    uint8_t code = in[read];
    if (code == 0 || read + code > len) return -1;
    read++;
    for (uint8_t i = 1; i < code; i++) {
      uint8_t byte = in[read++];
      if (byte == 0) return -1;
      out[write++] = byte;
    }
    /* A block of fewer than 254 data bytes stands for "data, then a zero", except at the very end. */
    if (code != 0xFF && read < len) out[write++] = 0;
  }
  *out_len = write;
  return 0;
}
