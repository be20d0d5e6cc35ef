/* Behaviour of the node's session (hearth_node.c) on the host: what goes on the wire, when. */
#include <stdio.h>
#include <string.h>

#include "hearth_frame.h"
#include "hearth_node.h"

static uint8_t wire[4096];
static size_t wire_len = 0;
static int failures = 0;

#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) {                                               \
      failures++;                                                \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
    }                                                            \
  } while (0)

static void capture(const uint8_t *bytes, size_t len, void *ctx) {
  (void)ctx;
  if (wire_len + len <= sizeof wire) {
    memcpy(wire + wire_len, bytes, len);
    wire_len += len;
  }
}

/* Decodes everything written since the last call into `out`; returns how many frames. */
static int sent(hearth_msg_t *out, int max) {
  static uint8_t scratch[4096];
  int count = 0;
  size_t start = 0;
  for (size_t i = 0; i < wire_len; i++) {
    if (wire[i] != 0) continue;
    if (i > start && count < max && hearth_frame_decode(wire + start, i - start, scratch + start, &out[count]) == HEARTH_OK) count++;
    start = i + 1;
  }
  wire_len = 0;
  return count;
}

static void hub_sends(hearth_node_t *node, uint8_t type, uint16_t ack_seq, uint32_t now) {
  hearth_msg_t msg;
  uint8_t buf[64];
  size_t len = 0;
  memset(&msg, 0, sizeof msg);
  msg.type = type;
  msg.u.ack.ack_seq = ack_seq;
  hearth_frame_encode(&msg, buf, sizeof buf, &len);
  hearth_node_receive(node, buf, len, now);
}

static hearth_node_t node;

static void start(void) {
  static hearth_sensor_t sensors[2];
  hearth_node_config_t cfg;
  sensors[0].kind = HEARTH_KIND_TEMPERATURE;
  sensors[0].name = hearth_text("temp");
  sensors[1].kind = HEARTH_KIND_BUTTON;
  sensors[1].name = hearth_text("pendant");
  memset(&cfg, 0, sizeof cfg);
  cfg.node_id = "test-node";
  cfg.firmware_version = "1.0.0";
  cfg.sensors = sensors;
  cfg.sensor_count = 2;
  cfg.boot_id = 77;
  cfg.heartbeat_interval_ms = 5000;
  cfg.resend_after_ms = 500;
  cfg.write = capture;
  wire_len = 0;
  hearth_node_init(&node, &cfg, 0);
}

static void hello_gates_readings(void) {
  hearth_msg_t f[16];
  start();
  hearth_node_poll(&node, 0);
  CHECK(sent(f, 16) == 1 && f[0].type == HEARTH_HELLO && f[0].seq == 0 && f[0].u.hello.boot_id == 77);
  CHECK(f[0].u.hello.sensor_count == 2 && f[0].u.hello.sensors[1].kind == HEARTH_KIND_BUTTON);
  hearth_node_reading(&node, 0, 215, -1, 10);
  CHECK(sent(f, 16) == 0); /* held back until the hub knows who we are */
  hearth_node_poll(&node, 500);
  CHECK(sent(f, 16) == 1 && f[0].type == HEARTH_HELLO && f[0].seq == 0); /* hello resent, same seq */
  hub_sends(&node, HEARTH_ACK, 0, 510);
  CHECK(sent(f, 16) == 1 && f[0].type == HEARTH_READING && f[0].seq == 1 && f[0].u.reading.mantissa == 215);
}

static void resends_until_acked(void) {
  hearth_msg_t f[16];
  start();
  hearth_node_poll(&node, 0);
  hub_sends(&node, HEARTH_ACK, 0, 1);
  sent(f, 16);
  hearth_node_event(&node, 1, 1, 100);
  CHECK(sent(f, 16) == 1 && f[0].type == HEARTH_EVENT && f[0].u.event.active == 1);
  hearth_node_poll(&node, 599);
  CHECK(sent(f, 16) == 0);
  hearth_node_poll(&node, 600);
  CHECK(sent(f, 16) == 1 && f[0].seq == 1 && node.retransmissions == 1);
  hub_sends(&node, HEARTH_ACK, 1, 610);
  hearth_node_poll(&node, 2000);
  CHECK(sent(f, 16) == 0 && hearth_node_pending(&node) == 0);
}

static void full_queue_drops_readings_before_events(void) {
  hearth_msg_t f[32];
  start();
  hearth_node_poll(&node, 0);
  hub_sends(&node, HEARTH_ACK, 0, 1);
  hearth_node_event(&node, 1, 1, 2); /* seq 1: the pendant, must survive */
  for (int i = 0; i < HEARTH_QUEUE_LEN + 2; i++) hearth_node_reading(&node, 0, i, 0, 3);
  sent(f, 32);
  CHECK(node.dropped == 3);
  CHECK(hearth_node_pending(&node) == HEARTH_QUEUE_LEN);
  hearth_node_poll(&node, 1000);
  int n = sent(f, 32);
  int has_event = 0, lowest_reading = 1000;
  for (int i = 0; i < n; i++) {
    if (f[i].type == HEARTH_EVENT) has_event = 1;
    if (f[i].type == HEARTH_READING && f[i].u.reading.mantissa < lowest_reading) lowest_reading = f[i].u.reading.mantissa;
  }
  CHECK(n == HEARTH_QUEUE_LEN && has_event && lowest_reading == 3);
}

static void sync_reintroduces(void) {
  hearth_msg_t f[16];
  start();
  hearth_node_poll(&node, 0);
  hub_sends(&node, HEARTH_ACK, 0, 1);
  sent(f, 16);
  hub_sends(&node, HEARTH_SYNC, 0, 100);
  CHECK(sent(f, 16) == 1 && f[0].type == HEARTH_HELLO && f[0].seq == 1);
  hearth_node_reading(&node, 0, 1, 0, 110);
  CHECK(sent(f, 16) == 0);
  hub_sends(&node, HEARTH_SYNC, 0, 120); /* a second sync before the ack: same hello again */
  CHECK(sent(f, 16) == 1 && f[0].type == HEARTH_HELLO && f[0].seq == 1);
  hub_sends(&node, HEARTH_ACK, 1, 130);
  CHECK(sent(f, 16) == 1 && f[0].type == HEARTH_READING && f[0].seq == 2);
}

static void heartbeats_are_not_numbered_or_kept(void) {
  hearth_msg_t f[16];
  start();
  hearth_node_poll(&node, 0);
  hub_sends(&node, HEARTH_ACK, 0, 1);
  sent(f, 16);
  hearth_node_poll(&node, 5000);
  CHECK(sent(f, 16) == 1 && f[0].type == HEARTH_HEARTBEAT && f[0].seq == 1 && f[0].u.heartbeat.pending == 0);
  hearth_node_poll(&node, 5600);
  CHECK(sent(f, 16) == 0);
  CHECK(hearth_node_reading(&node, 0, 1, 0, 5700) == 1);
}

static void ignores_noise(void) {
  hearth_msg_t f[16];
  uint8_t noise[100];
  start();
  hearth_node_poll(&node, 0);
  sent(f, 16);
  memset(noise, 0x41, sizeof noise);
  hearth_node_receive(&node, noise, sizeof noise, 1);
  hub_sends(&node, HEARTH_ACK, 0, 2); /* runs on from the noise: lost, but its delimiter resyncs */
  CHECK(node.hello_acked == 0);
  hub_sends(&node, HEARTH_ACK, 0, 3);
  CHECK(node.hello_acked == 1);
}

int main(void) {
  hello_gates_readings();
  resends_until_acked();
  full_queue_drops_readings_before_events();
  sync_reintroduces();
  heartbeats_are_not_numbered_or_kept();
  ignores_noise();
  printf("node tests: %d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
