/*
 * The node's end of the Hearth serial session: numbers frames, keeps reliable frames (hello, reading,
 * event) until the hub acks them and resends them on a timer, answers the hub's sync with a hello, and
 * sends heartbeats. Portable and allocation-free; the sketch or the host simulator supplies the clock
 * (`now`, milliseconds, may wrap) and a function that writes bytes to the serial line.
 */
#ifndef HEARTH_NODE_H
#define HEARTH_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "hearth_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Unacked readings/events held at once. The hub's duplicate window (256) must exceed this many times two. */
#ifndef HEARTH_QUEUE_LEN
#define HEARTH_QUEUE_LEN 8
#endif
/* A reading frame is 16 bytes encoded with its delimiter; events are shorter. */
#define HEARTH_QUEUE_FRAME_MAX 20
/* The node only receives acks and syncs (9 bytes encoded); anything longer is noise. */
#define HEARTH_RX_MAX 32

typedef void (*hearth_write_fn)(const uint8_t *bytes, size_t len, void *ctx);

typedef struct {
  const char *node_id;
  const char *firmware_version;
  const hearth_sensor_t *sensors;
  uint8_t sensor_count;
  /* Random per boot (e.g. from an unconnected analog pin's noise); tells the hub this is a new boot. */
  uint32_t boot_id;
  uint32_t heartbeat_interval_ms;
  /* How long to wait for an ack before resending. */
  uint32_t resend_after_ms;
  hearth_write_fn write;
  void *write_ctx;
} hearth_node_config_t;

typedef struct {
  uint8_t used;
  uint8_t sent; /* 0 until first transmitted */
  uint8_t type;
  uint16_t seq;
  uint32_t sent_at;
  uint8_t len;
  uint8_t frame[HEARTH_QUEUE_FRAME_MAX];
} hearth_pending_t;

typedef struct {
  hearth_node_config_t cfg;
  uint16_t next_seq;
  /* The hello is rebuilt on each send rather than queued: it is big and must carry the current uptime. */
  uint8_t hello_acked;
  uint8_t hello_sent;
  uint16_t hello_seq;
  uint32_t hello_sent_at;
  hearth_pending_t queue[HEARTH_QUEUE_LEN];
  uint32_t last_heartbeat_at;
  uint16_t dropped;
  uint32_t retransmissions;
  uint8_t rx[HEARTH_RX_MAX];
  uint8_t rx_len;
  uint8_t rx_skipping;
} hearth_node_t;

/* Starts a session: the hello goes out on the first poll. Readings wait until the hello is acked. */
void hearth_node_init(hearth_node_t *node, const hearth_node_config_t *cfg, uint32_t now);

/*
 * Queues a reading (value = mantissa * 10^exponent) or an event and sends it at once when possible.
 * With the queue full, the oldest reading (or, if none, the oldest event) is discarded and counted in
 * `dropped`. Returns the frame's sequence number, or -1 if the fields are invalid.
 */
int32_t hearth_node_reading(hearth_node_t *node, uint8_t sensor, int32_t mantissa, int8_t exponent, uint32_t now);
int32_t hearth_node_event(hearth_node_t *node, uint8_t sensor, uint8_t active, uint32_t now);

/* Feeds bytes read from the serial line (acks and syncs from the hub; noise is ignored). */
void hearth_node_receive(hearth_node_t *node, const uint8_t *bytes, size_t len, uint32_t now);

/* Call often: sends the hello, first transmissions, due resends and heartbeats. */
void hearth_node_poll(hearth_node_t *node, uint32_t now);

/* Frames waiting for an ack (the hello included). */
uint8_t hearth_node_pending(const hearth_node_t *node);

#ifdef __cplusplus
}
#endif

#endif
