#include "hearth_node.h"

#include <string.h>

static const uint8_t delimiter = 0x00;

/* A leading delimiter ends whatever noise the hub's parser may hold, so this frame parses cleanly. */
static void transmit(hearth_node_t *node, const uint8_t *frame, size_t len) {
  node->cfg.write(&delimiter, 1, node->cfg.write_ctx);
  node->cfg.write(frame, len, node->cfg.write_ctx);
}

static void send_hello(hearth_node_t *node, uint32_t now) {
  hearth_msg_t msg;
  uint8_t out[HEARTH_MAX_ENCODED + 1];
  size_t len = 0;
  memset(&msg, 0, sizeof msg);
  msg.type = HEARTH_HELLO;
  msg.seq = node->hello_seq;
  msg.u.hello.boot_id = node->cfg.boot_id;
  msg.u.hello.uptime_ms = now;
  msg.u.hello.heartbeat_interval_ms = node->cfg.heartbeat_interval_ms;
  msg.u.hello.node_id = hearth_text(node->cfg.node_id);
  msg.u.hello.firmware_version = hearth_text(node->cfg.firmware_version);
  msg.u.hello.sensor_count = node->cfg.sensor_count;
  for (uint8_t i = 0; i < node->cfg.sensor_count && i < HEARTH_MAX_SENSORS; i++) msg.u.hello.sensors[i] = node->cfg.sensors[i];
  if (hearth_frame_encode(&msg, out, sizeof out, &len) != HEARTH_OK) return;
  if (node->hello_sent) node->retransmissions++;
  transmit(node, out, len);
  node->hello_sent = 1;
  node->hello_sent_at = now;
}

static void announce(hearth_node_t *node) {
  node->hello_acked = 0;
  node->hello_sent = 0;
  node->hello_seq = node->next_seq++;
}

void hearth_node_init(hearth_node_t *node, const hearth_node_config_t *cfg, uint32_t now) {
  memset(node, 0, sizeof *node);
  node->cfg = *cfg;
  node->last_heartbeat_at = now;
  announce(node);
}

uint8_t hearth_node_pending(const hearth_node_t *node) {
  uint8_t n = node->hello_acked ? 0 : 1;
  for (uint8_t i = 0; i < HEARTH_QUEUE_LEN; i++) n += node->queue[i].used;
  return n;
}

/* Older frames have a larger distance back from the next sequence number (16-bit wrap-safe). */
static uint16_t age(const hearth_node_t *node, uint16_t seq) { return (uint16_t)(node->next_seq - seq); }

static hearth_pending_t *free_slot(hearth_node_t *node) {
  hearth_pending_t *victim = NULL;
  for (uint8_t i = 0; i < HEARTH_QUEUE_LEN; i++) {
    if (!node->queue[i].used) return &node->queue[i];
  }
  /* Full: give up the oldest reading first; an event (a door, a button) is worth more than a sample. */
  for (uint8_t pass = 0; pass < 2 && victim == NULL; pass++) {
    for (uint8_t i = 0; i < HEARTH_QUEUE_LEN; i++) {
      hearth_pending_t *p = &node->queue[i];
      if (pass == 0 && p->type != HEARTH_READING) continue;
      if (victim == NULL || age(node, p->seq) > age(node, victim->seq)) victim = p;
    }
  }
  if (node->dropped < 0xFFFF) node->dropped++;
  victim->used = 0;
  return victim;
}

static int32_t enqueue(hearth_node_t *node, hearth_msg_t *msg, uint32_t now) {
  hearth_pending_t *slot;
  size_t len = 0;
  uint8_t out[HEARTH_QUEUE_FRAME_MAX];
  msg->seq = node->next_seq;
  if (hearth_frame_encode(msg, out, sizeof out, &len) != HEARTH_OK) return -1;
  node->next_seq++;
  slot = free_slot(node);
  slot->used = 1;
  slot->sent = 0;
  slot->type = msg->type;
  slot->seq = msg->seq;
  slot->len = (uint8_t)len;
  memcpy(slot->frame, out, len);
  hearth_node_poll(node, now);
  return msg->seq;
}

int32_t hearth_node_reading(hearth_node_t *node, uint8_t sensor, int32_t mantissa, int8_t exponent, uint32_t now) {
  hearth_msg_t msg;
  memset(&msg, 0, sizeof msg);
  msg.type = HEARTH_READING;
  msg.u.reading.sensor = sensor;
  msg.u.reading.uptime_ms = now;
  msg.u.reading.mantissa = mantissa;
  msg.u.reading.exponent = exponent;
  return enqueue(node, &msg, now);
}

int32_t hearth_node_event(hearth_node_t *node, uint8_t sensor, uint8_t active, uint32_t now) {
  hearth_msg_t msg;
  memset(&msg, 0, sizeof msg);
  msg.type = HEARTH_EVENT;
  msg.u.event.sensor = sensor;
  msg.u.event.uptime_ms = now;
  msg.u.event.active = active ? 1 : 0;
  return enqueue(node, &msg, now);
}

static void handle_frame(hearth_node_t *node, uint32_t now) {
  hearth_msg_t msg;
  if (hearth_frame_decode(node->rx, node->rx_len, node->rx, &msg) != HEARTH_OK) return;
  if (msg.type == HEARTH_ACK) {
    if (!node->hello_acked && msg.u.ack.ack_seq == node->hello_seq) {
      node->hello_acked = 1;
      hearth_node_poll(node, now); /* readings held back for the hello go out now */
      return;
    }
    for (uint8_t i = 0; i < HEARTH_QUEUE_LEN; i++) {
      if (node->queue[i].used && node->queue[i].seq == msg.u.ack.ack_seq) node->queue[i].used = 0;
    }
  } else if (msg.type == HEARTH_SYNC) {
    /* The hub does not know us (it restarted or reopened the port): introduce ourselves again. A sync
       while our hello is still unacked just resends that hello, keeping its sequence number. */
    if (node->hello_acked) announce(node);
    else node->hello_sent = 0;
    hearth_node_poll(node, now);
  }
}

void hearth_node_receive(hearth_node_t *node, const uint8_t *bytes, size_t len, uint32_t now) {
  for (size_t i = 0; i < len; i++) {
    if (bytes[i] == 0x00) {
      if (!node->rx_skipping && node->rx_len > 0) handle_frame(node, now);
      node->rx_len = 0;
      node->rx_skipping = 0;
    } else if (node->rx_skipping) {
      continue;
    } else if (node->rx_len >= HEARTH_RX_MAX) {
      node->rx_skipping = 1; /* longer than anything the hub sends: noise, wait for the next delimiter */
      node->rx_len = 0;
    } else {
      node->rx[node->rx_len++] = bytes[i];
    }
  }
}

void hearth_node_poll(hearth_node_t *node, uint32_t now) {
  if (!node->hello_acked) {
    if (!node->hello_sent || now - node->hello_sent_at >= node->cfg.resend_after_ms) send_hello(node, now);
  } else {
    for (uint8_t i = 0; i < HEARTH_QUEUE_LEN; i++) {
      hearth_pending_t *p = &node->queue[i];
      if (!p->used) continue;
      if (p->sent && now - p->sent_at < node->cfg.resend_after_ms) continue;
      if (p->sent) node->retransmissions++;
      transmit(node, p->frame, p->len);
      p->sent = 1;
      p->sent_at = now;
    }
  }
  if (now - node->last_heartbeat_at >= node->cfg.heartbeat_interval_ms) {
    hearth_msg_t msg;
    uint8_t out[24];
    size_t len = 0;
    memset(&msg, 0, sizeof msg);
    msg.type = HEARTH_HEARTBEAT;
    msg.seq = node->next_seq; /* heartbeats are not numbered: they are never acked or resent */
    msg.u.heartbeat.uptime_ms = now;
    msg.u.heartbeat.pending = hearth_node_pending(node);
    msg.u.heartbeat.dropped = node->dropped;
    if (hearth_frame_encode(&msg, out, sizeof out, &len) == HEARTH_OK) transmit(node, out, len);
    node->last_heartbeat_at = now;
  }
}
