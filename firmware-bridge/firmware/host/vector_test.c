/*
 * Checks the portable protocol code against the shared vectors (firmware-bridge/vectors/ JSON files, rendered
 * into vectors.h by the TypeScript test that builds and runs this). Prints one line per failure and
 * exits non-zero if any vector disagrees.
 */
#include <stdio.h>
#include <string.h>

#include "hearth_cobs.h"
#include "hearth_crc.h"
#include "hearth_frame.h"

typedef struct {
  const char *name;
  const uint8_t *input;
  size_t input_len;
  uint16_t crc;
} crc_vector_t;

typedef struct {
  const char *name;
  const uint8_t *decoded;
  size_t decoded_len;
  const uint8_t *encoded;
  size_t encoded_len;
} cobs_vector_t;

typedef struct {
  const char *name;
  hearth_msg_t msg;
  const uint8_t *raw;
  size_t raw_len;
  const uint8_t *encoded;
  size_t encoded_len;
} frame_vector_t;

typedef struct {
  const char *name;
  const uint8_t *encoded;
  size_t len;
  const char *error;
} bad_vector_t;

#include "vectors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int failures = 0;
static int checks = 0;

static void fail(const char *group, const char *name, const char *what) {
  failures++;
  printf("FAIL %s: %s: %s\n", group, name, what);
}

static int same_text(hearth_text_t a, hearth_text_t b) {
  return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static int same_msg(const hearth_msg_t *a, const hearth_msg_t *b) {
  if (a->type != b->type || a->seq != b->seq) return 0;
  switch (a->type) {
    case HEARTH_HELLO:
      if (a->u.hello.boot_id != b->u.hello.boot_id || a->u.hello.uptime_ms != b->u.hello.uptime_ms ||
          a->u.hello.heartbeat_interval_ms != b->u.hello.heartbeat_interval_ms ||
          !same_text(a->u.hello.node_id, b->u.hello.node_id) ||
          !same_text(a->u.hello.firmware_version, b->u.hello.firmware_version) ||
          a->u.hello.sensor_count != b->u.hello.sensor_count) {
        return 0;
      }
      for (uint8_t i = 0; i < a->u.hello.sensor_count; i++) {
        if (a->u.hello.sensors[i].kind != b->u.hello.sensors[i].kind ||
            !same_text(a->u.hello.sensors[i].name, b->u.hello.sensors[i].name)) {
          return 0;
        }
      }
      return 1;
    case HEARTH_READING:
      return a->u.reading.sensor == b->u.reading.sensor && a->u.reading.uptime_ms == b->u.reading.uptime_ms &&
             a->u.reading.mantissa == b->u.reading.mantissa && a->u.reading.exponent == b->u.reading.exponent;
    case HEARTH_EVENT:
      return a->u.event.sensor == b->u.event.sensor && a->u.event.uptime_ms == b->u.event.uptime_ms &&
             a->u.event.active == b->u.event.active;
    case HEARTH_HEARTBEAT:
      return a->u.heartbeat.uptime_ms == b->u.heartbeat.uptime_ms && a->u.heartbeat.pending == b->u.heartbeat.pending &&
             a->u.heartbeat.dropped == b->u.heartbeat.dropped;
    case HEARTH_ACK:
      return a->u.ack.ack_seq == b->u.ack.ack_seq;
    case HEARTH_SYNC:
      return 1;
  }
  return 0;
}

int main(void) {
  uint8_t buf[1024];
  uint8_t scratch[1024];
  size_t n = 0;

  for (size_t i = 0; i < COUNT(crc_vectors); i++, checks++) {
    const crc_vector_t *v = &crc_vectors[i];
    if (hearth_crc16(v->input, v->input_len, HEARTH_CRC_INIT) != v->crc) fail("crc", v->name, "wrong CRC");
  }

  for (size_t i = 0; i < COUNT(cobs_vectors); i++, checks++) {
    const cobs_vector_t *v = &cobs_vectors[i];
    n = hearth_cobs_encode(v->decoded, v->decoded_len, buf);
    if (n != v->encoded_len || memcmp(buf, v->encoded, n) != 0) fail("cobs", v->name, "encoding differs");
    if (hearth_cobs_decode(v->encoded, v->encoded_len, buf, &n) != 0 || n != v->decoded_len ||
        memcmp(buf, v->decoded, n) != 0) {
      fail("cobs", v->name, "decoding differs");
    }
  }

  for (size_t i = 0; i < COUNT(frame_vectors); i++, checks++) {
    const frame_vector_t *v = &frame_vectors[i];
    hearth_err_t err = hearth_frame_encode_raw(&v->msg, buf, sizeof buf, &n);
    if (err != HEARTH_OK) fail("frame", v->name, hearth_err_name(err));
    else if (n != v->raw_len || memcmp(buf, v->raw, n) != 0) fail("frame", v->name, "raw bytes differ");
    err = hearth_frame_encode(&v->msg, buf, sizeof buf, &n);
    if (err != HEARTH_OK || n != v->encoded_len || memcmp(buf, v->encoded, n) != 0) {
      fail("frame", v->name, "wire bytes differ");
    }
    hearth_msg_t decoded;
    err = hearth_frame_decode(v->encoded, v->encoded_len - 1, scratch, &decoded);
    if (err != HEARTH_OK) fail("frame", v->name, hearth_err_name(err));
    else if (!same_msg(&decoded, &v->msg)) fail("frame", v->name, "decoded fields differ");
  }

  for (size_t i = 0; i < COUNT(bad_vectors); i++, checks++) {
    const bad_vector_t *v = &bad_vectors[i];
    hearth_msg_t decoded;
    const char *got = hearth_err_name(hearth_frame_decode(v->encoded, v->len, scratch, &decoded));
    if (strcmp(got, v->error) != 0) {
      char what[96];
      snprintf(what, sizeof what, "expected %s, got %s", v->error, got);
      fail("invalid", v->name, what);
    }
  }

  /* Encoding failures say which: a buffer too small for the message, or fields the protocol refuses. */
  for (size_t i = 0; i < COUNT(frame_vectors); i++) {
    const frame_vector_t *v = &frame_vectors[i];
    if (v->msg.type != HEARTH_HELLO) continue;
    hearth_msg_t bad = v->msg;
    if (hearth_frame_encode(&v->msg, buf, 20, &n) != HEARTH_ERR_BUFFER_OVERFLOW) fail("encode", v->name, "small buffer not reported");
    bad.u.hello.node_id = hearth_text("has space");
    if (hearth_frame_encode(&bad, buf, sizeof buf, &n) != HEARTH_ERR_PAYLOAD_INVALID) fail("encode", v->name, "bad node id accepted");
    bad = v->msg;
    bad.u.hello.sensors[0].kind = 0;
    if (bad.u.hello.sensor_count > 0 && hearth_frame_encode(&bad, buf, sizeof buf, &n) != HEARTH_ERR_PAYLOAD_INVALID) {
      fail("encode", v->name, "unknown sensor kind accepted");
    }
  }

  printf("%d vectors checked, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
