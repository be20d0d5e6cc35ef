/*
 * Hearth serial frames (firmware-bridge protocol version 1), the C side of firmware-bridge/src/frame.ts.
 * Wire: COBS( version u8 | type u8 | seq u16 BE | payload | CRC-16/CCITT-FALSE u16 BE ) then 0x00.
 * Portable C99: compiles for AVR (Arduino) and on the host for the shared vector test and the simulator.
 */
#ifndef HEARTH_FRAME_H
#define HEARTH_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HEARTH_PROTOCOL_VERSION 1
#define HEARTH_HEADER_LEN 4
#define HEARTH_CRC_LEN 2
#define HEARTH_MAX_PAYLOAD 240
#define HEARTH_MAX_FRAME (HEARTH_HEADER_LEN + HEARTH_MAX_PAYLOAD + HEARTH_CRC_LEN)
#define HEARTH_MAX_ENCODED (HEARTH_MAX_FRAME + (HEARTH_MAX_FRAME + 253) / 254 + 1)
#define HEARTH_MAX_NODE_ID 24
#define HEARTH_MAX_FIRMWARE_VERSION 16
#define HEARTH_MAX_SENSOR_NAME 12
#define HEARTH_MAX_SENSORS 12
#define HEARTH_MIN_EXPONENT (-9)
#define HEARTH_MAX_EXPONENT 9

typedef enum {
  HEARTH_HELLO = 0x01,
  HEARTH_READING = 0x02,
  HEARTH_EVENT = 0x03,
  HEARTH_HEARTBEAT = 0x04,
  HEARTH_ACK = 0x10,
  HEARTH_SYNC = 0x11
} hearth_type_t;

typedef enum {
  HEARTH_KIND_MOTION = 1,
  HEARTH_KIND_CONTACT = 2,
  HEARTH_KIND_PRESSURE = 3,
  HEARTH_KIND_BUTTON = 4,
  HEARTH_KIND_TEMPERATURE = 5,
  HEARTH_KIND_HUMIDITY = 6
} hearth_kind_t;

/* Same codes, same meaning as FrameErrorCode in firmware-bridge/src/errors.ts. */
typedef enum {
  HEARTH_OK = 0,
  HEARTH_ERR_COBS_INVALID,
  HEARTH_ERR_FRAME_TOO_SHORT,
  HEARTH_ERR_FRAME_TOO_LONG,
  HEARTH_ERR_CRC_MISMATCH,
  HEARTH_ERR_UNSUPPORTED_VERSION,
  HEARTH_ERR_UNKNOWN_TYPE,
  HEARTH_ERR_PAYLOAD_INVALID,
  HEARTH_ERR_BUFFER_OVERFLOW
} hearth_err_t;

/* Text on the wire is a length and bytes, not NUL-terminated: decoded text points into the frame. */
typedef struct {
  const char *ptr;
  uint8_t len;
} hearth_text_t;

typedef struct {
  uint8_t kind; /* hearth_kind_t */
  hearth_text_t name;
} hearth_sensor_t;

typedef struct {
  uint8_t type; /* hearth_type_t */
  uint16_t seq;
  union {
    struct {
      uint32_t boot_id;
      uint32_t uptime_ms;
      uint32_t heartbeat_interval_ms;
      hearth_text_t node_id;
      hearth_text_t firmware_version;
      uint8_t sensor_count;
      hearth_sensor_t sensors[HEARTH_MAX_SENSORS];
    } hello;
    struct {
      uint8_t sensor;
      uint32_t uptime_ms;
      int32_t mantissa; /* value = mantissa * 10^exponent */
      int8_t exponent;
    } reading;
    struct {
      uint8_t sensor;
      uint32_t uptime_ms;
      uint8_t active;
    } event;
    struct {
      uint32_t uptime_ms;
      uint8_t pending;
      uint16_t dropped;
    } heartbeat;
    struct {
      uint16_t ack_seq;
    } ack;
  } u;
} hearth_msg_t;

/* Makes a hearth_text_t from a NUL-terminated string. */
hearth_text_t hearth_text(const char *s);

/*
 * Header, payload and CRC (no stuffing) into `raw`; sets *len. Returns HEARTH_ERR_PAYLOAD_INVALID for
 * bad fields, HEARTH_ERR_BUFFER_OVERFLOW when `cap` is too small for this message.
 */
hearth_err_t hearth_frame_encode_raw(const hearth_msg_t *msg, uint8_t *raw, size_t cap, size_t *len);

/*
 * Wire bytes (COBS + trailing 0x00) into `out`; sets *len. HEARTH_MAX_ENCODED + 1 bytes always suffice;
 * a buffer sized for the message at hand (raw length + 3) is enough. Uses no other buffer.
 */
hearth_err_t hearth_frame_encode(const hearth_msg_t *msg, uint8_t *out, size_t cap, size_t *len);

/*
 * Decodes the COBS bytes between two delimiters. The frame is unstuffed into `scratch` (at least `len`
 * bytes; may be `encoded` itself) and decoded text in `msg` points into `scratch`.
 */
hearth_err_t hearth_frame_decode(const uint8_t *encoded, size_t len, uint8_t *scratch, hearth_msg_t *msg);

/* "CRC_MISMATCH" etc., as in the TypeScript codec; "OK" for HEARTH_OK. */
const char *hearth_err_name(hearth_err_t err);

#ifdef __cplusplus
}
#endif

#endif
