/* Must accept and refuse exactly what firmware-bridge/src/frame.ts and messages.ts do (shared vectors). */
#include "hearth_frame.h"

#include <string.h>

#include "hearth_cobs.h"
#include "hearth_crc.h"

hearth_text_t hearth_text(const char *s) {
  hearth_text_t t;
  size_t n = strlen(s);
  t.ptr = s;
  t.len = (uint8_t)(n > 255 ? 255 : n);
  return t;
}

typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t len;
  int ok;       /* 0 once a field was invalid */
  int overflow; /* 1 once the caller's buffer was too small */
} writer_t;

static void put(writer_t *w, uint8_t b) {
  if (w->len >= w->cap) {
    w->overflow = 1;
    return;
  }
  w->buf[w->len++] = b;
}
static void put16(writer_t *w, uint16_t v) {
  put(w, (uint8_t)(v >> 8));
  put(w, (uint8_t)v);
}
static void put32(writer_t *w, uint32_t v) {
  put16(w, (uint16_t)(v >> 16));
  put16(w, (uint16_t)v);
}

static int is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
static int is_printable_char(char c) { return c >= 0x20 && c <= 0x7e; }

static int text_ok(hearth_text_t t, uint8_t max, int identifier) {
  if (t.len < 1 || t.len > max || t.ptr == NULL) return 0;
  for (uint8_t i = 0; i < t.len; i++) {
    if (identifier ? !is_identifier_char(t.ptr[i]) : !is_printable_char(t.ptr[i])) return 0;
  }
  return 1;
}

static void put_text(writer_t *w, hearth_text_t t, uint8_t max, int identifier) {
  if (!text_ok(t, max, identifier)) {
    w->ok = 0;
    return;
  }
  put(w, t.len);
  for (uint8_t i = 0; i < t.len; i++) put(w, (uint8_t)t.ptr[i]);
}

static int kind_ok(uint8_t kind) { return kind >= HEARTH_KIND_MOTION && kind <= HEARTH_KIND_HUMIDITY; }

hearth_err_t hearth_frame_encode_raw(const hearth_msg_t *msg, uint8_t *raw, size_t cap, size_t *len) {
  writer_t w = {raw, cap < HEARTH_MAX_FRAME ? cap : HEARTH_MAX_FRAME, 0, 1, 0};
  put(&w, HEARTH_PROTOCOL_VERSION);
  put(&w, msg->type);
  put16(&w, msg->seq);
  switch (msg->type) {
    case HEARTH_HELLO:
      put32(&w, msg->u.hello.boot_id);
      put32(&w, msg->u.hello.uptime_ms);
      put32(&w, msg->u.hello.heartbeat_interval_ms);
      put_text(&w, msg->u.hello.node_id, HEARTH_MAX_NODE_ID, 1);
      put_text(&w, msg->u.hello.firmware_version, HEARTH_MAX_FIRMWARE_VERSION, 0);
      if (msg->u.hello.sensor_count > HEARTH_MAX_SENSORS) return HEARTH_ERR_PAYLOAD_INVALID;
      put(&w, msg->u.hello.sensor_count);
      for (uint8_t i = 0; i < msg->u.hello.sensor_count; i++) {
        if (!kind_ok(msg->u.hello.sensors[i].kind)) return HEARTH_ERR_PAYLOAD_INVALID;
        put(&w, msg->u.hello.sensors[i].kind);
        put_text(&w, msg->u.hello.sensors[i].name, HEARTH_MAX_SENSOR_NAME, 1);
      }
      break;
    case HEARTH_READING:
      if (msg->u.reading.exponent < HEARTH_MIN_EXPONENT || msg->u.reading.exponent > HEARTH_MAX_EXPONENT) {
        return HEARTH_ERR_PAYLOAD_INVALID;
      }
      put(&w, msg->u.reading.sensor);
      put32(&w, msg->u.reading.uptime_ms);
      put32(&w, (uint32_t)msg->u.reading.mantissa);
      put(&w, (uint8_t)msg->u.reading.exponent);
      break;
    case HEARTH_EVENT:
      put(&w, msg->u.event.sensor);
      put32(&w, msg->u.event.uptime_ms);
      put(&w, msg->u.event.active ? 1 : 0);
      break;
    case HEARTH_HEARTBEAT:
      put32(&w, msg->u.heartbeat.uptime_ms);
      put(&w, msg->u.heartbeat.pending);
      put16(&w, msg->u.heartbeat.dropped);
      break;
    case HEARTH_ACK:
      put16(&w, msg->u.ack.ack_seq);
      break;
    case HEARTH_SYNC:
      break;
    default:
      return HEARTH_ERR_UNKNOWN_TYPE;
  }
  if (!w.ok) return HEARTH_ERR_PAYLOAD_INVALID;
  put16(&w, hearth_crc16(raw, w.len, HEARTH_CRC_INIT));
  if (w.overflow) return cap < HEARTH_MAX_FRAME ? HEARTH_ERR_BUFFER_OVERFLOW : HEARTH_ERR_PAYLOAD_INVALID;
  *len = w.len;
  return HEARTH_OK;
}

hearth_err_t hearth_frame_encode(const hearth_msg_t *msg, uint8_t *out, size_t cap, size_t *len) {
  /* Stuffed in place to spare an 8-bit node a second frame-sized buffer: the raw frame is laid out
     two bytes in, and COBS never writes past the byte it is reading for frames under 254 bytes
     (each output index is at most 1 + the input index, the input sits at 2 + its index). */
  size_t raw_len = 0;
  if (cap < 3) return HEARTH_ERR_BUFFER_OVERFLOW;
  hearth_err_t err = hearth_frame_encode_raw(msg, out + 2, cap - 2, &raw_len);
  if (err != HEARTH_OK) return err;
  if (cap < HEARTH_COBS_MAX_ENCODED(raw_len) + 1) return HEARTH_ERR_BUFFER_OVERFLOW;
  size_t n = hearth_cobs_encode(out + 2, raw_len, out);
  out[n++] = 0x00;
  *len = n;
  return HEARTH_OK;
}

typedef struct {
  const uint8_t *buf;
  size_t len;
  size_t pos;
  int ok;
} reader_t;

static uint8_t get(reader_t *r) {
  if (r->pos >= r->len) {
    r->ok = 0;
    return 0;
  }
  return r->buf[r->pos++];
}
static uint16_t get16(reader_t *r) {
  uint16_t hi = get(r);
  return (uint16_t)((hi << 8) | get(r));
}
static uint32_t get32(reader_t *r) {
  uint32_t hi = get16(r);
  return (hi << 16) | get16(r);
}
static hearth_text_t get_text(reader_t *r, uint8_t max, int identifier) {
  hearth_text_t t = {NULL, 0};
  t.len = get(r);
  if (!r->ok || t.len < 1 || t.len > max || r->pos + t.len > r->len) {
    r->ok = 0;
    return t;
  }
  t.ptr = (const char *)r->buf + r->pos;
  r->pos += t.len;
  if (!text_ok(t, max, identifier)) r->ok = 0;
  return t;
}

static hearth_err_t decode_payload(reader_t *r, hearth_msg_t *msg) {
  switch (msg->type) {
    case HEARTH_HELLO:
      msg->u.hello.boot_id = get32(r);
      msg->u.hello.uptime_ms = get32(r);
      msg->u.hello.heartbeat_interval_ms = get32(r);
      msg->u.hello.node_id = get_text(r, HEARTH_MAX_NODE_ID, 1);
      msg->u.hello.firmware_version = get_text(r, HEARTH_MAX_FIRMWARE_VERSION, 0);
      msg->u.hello.sensor_count = get(r);
      if (!r->ok || msg->u.hello.sensor_count > HEARTH_MAX_SENSORS) return HEARTH_ERR_PAYLOAD_INVALID;
      for (uint8_t i = 0; i < msg->u.hello.sensor_count && r->ok; i++) {
        msg->u.hello.sensors[i].kind = get(r);
        if (r->ok && !kind_ok(msg->u.hello.sensors[i].kind)) return HEARTH_ERR_PAYLOAD_INVALID;
        msg->u.hello.sensors[i].name = get_text(r, HEARTH_MAX_SENSOR_NAME, 1);
      }
      break;
    case HEARTH_READING:
      msg->u.reading.sensor = get(r);
      msg->u.reading.uptime_ms = get32(r);
      msg->u.reading.mantissa = (int32_t)get32(r);
      msg->u.reading.exponent = (int8_t)get(r);
      if (msg->u.reading.exponent < HEARTH_MIN_EXPONENT || msg->u.reading.exponent > HEARTH_MAX_EXPONENT) {
        return HEARTH_ERR_PAYLOAD_INVALID;
      }
      break;
    case HEARTH_EVENT:
      msg->u.event.sensor = get(r);
      msg->u.event.uptime_ms = get32(r);
      msg->u.event.active = get(r);
      if (msg->u.event.active > 1) return HEARTH_ERR_PAYLOAD_INVALID;
      break;
    case HEARTH_HEARTBEAT:
      msg->u.heartbeat.uptime_ms = get32(r);
      msg->u.heartbeat.pending = get(r);
      msg->u.heartbeat.dropped = get16(r);
      break;
    case HEARTH_ACK:
      msg->u.ack.ack_seq = get16(r);
      break;
    case HEARTH_SYNC:
      break;
    default:
      return HEARTH_ERR_UNKNOWN_TYPE;
  }
  if (!r->ok || r->pos != r->len) return HEARTH_ERR_PAYLOAD_INVALID;
  return HEARTH_OK;
}

hearth_err_t hearth_frame_decode(const uint8_t *encoded, size_t len, uint8_t *scratch, hearth_msg_t *msg) {
  size_t raw_len = 0;
  if (len > HEARTH_MAX_ENCODED) return HEARTH_ERR_FRAME_TOO_LONG;
  if (hearth_cobs_decode(encoded, len, scratch, &raw_len) != 0) return HEARTH_ERR_COBS_INVALID;
  if (raw_len < HEARTH_HEADER_LEN + HEARTH_CRC_LEN) return HEARTH_ERR_FRAME_TOO_SHORT;
  if (raw_len > HEARTH_MAX_FRAME) return HEARTH_ERR_FRAME_TOO_LONG;
  uint16_t expected = (uint16_t)((scratch[raw_len - 2] << 8) | scratch[raw_len - 1]);
  if (hearth_crc16(scratch, raw_len - HEARTH_CRC_LEN, HEARTH_CRC_INIT) != expected) return HEARTH_ERR_CRC_MISMATCH;
  if (scratch[0] != HEARTH_PROTOCOL_VERSION) return HEARTH_ERR_UNSUPPORTED_VERSION;
  memset(msg, 0, sizeof *msg);
  msg->type = scratch[1];
  msg->seq = (uint16_t)((scratch[2] << 8) | scratch[3]);
  reader_t r = {scratch + HEARTH_HEADER_LEN, raw_len - HEARTH_HEADER_LEN - HEARTH_CRC_LEN, 0, 1};
  return decode_payload(&r, msg);
}

const char *hearth_err_name(hearth_err_t err) {
  switch (err) {
    case HEARTH_OK: return "OK";
    case HEARTH_ERR_COBS_INVALID: return "COBS_INVALID";
    case HEARTH_ERR_FRAME_TOO_SHORT: return "FRAME_TOO_SHORT";
    case HEARTH_ERR_FRAME_TOO_LONG: return "FRAME_TOO_LONG";
    case HEARTH_ERR_CRC_MISMATCH: return "CRC_MISMATCH";
    case HEARTH_ERR_UNSUPPORTED_VERSION: return "UNSUPPORTED_VERSION";
    case HEARTH_ERR_UNKNOWN_TYPE: return "UNKNOWN_TYPE";
    case HEARTH_ERR_PAYLOAD_INVALID: return "PAYLOAD_INVALID";
    case HEARTH_ERR_BUFFER_OVERFLOW: return "BUFFER_OVERFLOW";
  }
  return "UNKNOWN";
}
