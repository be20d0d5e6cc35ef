/*
 * A Hearth sensor node on a host serial line (a pseudo-terminal from socat, or a USB-serial adapter),
 * running the same portable protocol code as the Arduino firmware. It says hello, sends a temperature
 * reading and a motion event on timers, heartbeats, and resends what the hub has not acked. When the
 * line disappears (unplugged, socat killed) it keeps measuring and reopens the path until it returns.
 *
 * Prints one JSON object per line on stdout so tests can compare what was sent with what the hub kept:
 *   {"event":"reading","seq":5,"mantissa":3,"exponent":-1}   a new reading was queued
 *   {"event":"ack","seq":5,"ignored":false}                  the hub acknowledged a frame
 *   {"event":"connected"} / {"event":"disconnected"}         the line came or went
 *   {"event":"exit","retransmissions":2,"dropped":0}          on SIGTERM/SIGINT
 *
 * Usage: hearth-node-sim --port PATH [--node-id ID] [--boot-id N] [--reading-ms MS] [--event-ms MS]
 *                        [--heartbeat-ms MS] [--resend-ms MS] [--readings N] [--ignore-ack-every N]
 * --ignore-ack-every N drops every Nth ack on purpose, so the node resends frames the hub already has.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hearth_frame.h"
#include "hearth_node.h"

static volatile sig_atomic_t stopping = 0;
static int fd = -1;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static uint32_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void disconnect(void) {
  if (fd < 0) return;
  close(fd);
  fd = -1;
  printf("{\"event\":\"disconnected\"}\n");
}

static void write_line(const uint8_t *bytes, size_t len, void *ctx) {
  (void)ctx;
  while (fd >= 0 && len > 0) {
    ssize_t n = write(fd, bytes, len);
    if (n < 0 && errno == EAGAIN) {
      struct pollfd p = {fd, POLLOUT, 0};
      poll(&p, 1, 50);
      continue;
    }
    if (n <= 0) {
      disconnect();
      return;
    }
    bytes += n;
    len -= (size_t)n;
  }
}

static int open_line(const char *path) {
  struct termios tio;
  int f = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
  if (f < 0) return -1;
  if (tcgetattr(f, &tio) == 0) {
    cfmakeraw(&tio);
    cfsetispeed(&tio, B115200);
    cfsetospeed(&tio, B115200);
    tcsetattr(f, TCSANOW, &tio);
  }
  return f;
}

static uint32_t arg_u32(int argc, char **argv, const char *name, uint32_t fallback) {
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], name) == 0) return (uint32_t)strtoul(argv[i + 1], NULL, 10);
  }
  return fallback;
}

static const char *arg_str(int argc, char **argv, const char *name, const char *fallback) {
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

int main(int argc, char **argv) {
  const char *port = arg_str(argc, argv, "--port", NULL);
  if (port == NULL) {
    fprintf(stderr, "usage: %s --port PATH [--node-id ID] [--boot-id N] [--reading-ms MS] [--event-ms MS]\n"
                    "          [--heartbeat-ms MS] [--resend-ms MS] [--readings N] [--ignore-ack-every N]\n", argv[0]);
    return 2;
  }
  uint32_t reading_ms = arg_u32(argc, argv, "--reading-ms", 1000);
  uint32_t event_ms = arg_u32(argc, argv, "--event-ms", 0);
  uint32_t max_readings = arg_u32(argc, argv, "--readings", 0);
  uint32_t ignore_every = arg_u32(argc, argv, "--ignore-ack-every", 0);

  static const char *names[] = {"temp", "pir"};
  hearth_sensor_t sensors[2];
  sensors[0].kind = HEARTH_KIND_TEMPERATURE;
  sensors[0].name = hearth_text(names[0]);
  sensors[1].kind = HEARTH_KIND_MOTION;
  sensors[1].name = hearth_text(names[1]);

  hearth_node_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.node_id = arg_str(argc, argv, "--node-id", "sim-node");
  cfg.firmware_version = "sim-1.0.0";
  cfg.sensors = sensors;
  cfg.sensor_count = 2;
  cfg.boot_id = arg_u32(argc, argv, "--boot-id", (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16));
  cfg.heartbeat_interval_ms = arg_u32(argc, argv, "--heartbeat-ms", 2000);
  cfg.resend_after_ms = arg_u32(argc, argv, "--resend-ms", 300);
  cfg.write = write_line;

  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);

  static hearth_node_t node;
  uint32_t start = now_ms();
  hearth_node_init(&node, &cfg, 0);
  uint32_t last_reading = 0, last_event = 0, last_open_try = 0, acks = 0, readings = 0;
  uint8_t motion = 0;
  uint8_t frame[HEARTH_RX_MAX + 1];
  size_t frame_len = 0;

  while (!stopping) {
    uint32_t now = now_ms() - start;
    if (fd < 0 && (last_open_try == 0 || now - last_open_try >= 100)) {
      last_open_try = now == 0 ? 1 : now;
      fd = open_line(port);
      if (fd >= 0) printf("{\"event\":\"connected\"}\n");
    }
    if (reading_ms > 0 && now - last_reading >= reading_ms && (max_readings == 0 || readings < max_readings)) {
      last_reading = now;
      readings++;
      int32_t seq = hearth_node_reading(&node, 0, (int32_t)readings, -1, now);
      printf("{\"event\":\"reading\",\"seq\":%ld,\"mantissa\":%lu,\"exponent\":-1}\n", (long)seq, (unsigned long)readings);
    }
    if (event_ms > 0 && now - last_event >= event_ms) {
      last_event = now;
      motion = !motion;
      int32_t seq = hearth_node_event(&node, 1, motion, now);
      printf("{\"event\":\"motion\",\"seq\":%ld,\"active\":%s}\n", (long)seq, motion ? "true" : "false");
    }
    hearth_node_poll(&node, now);

    if (fd < 0) {
      usleep(10000);
      continue;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, 10);
    if (ready > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) && !(p.revents & POLLIN)) {
      disconnect();
      continue;
    }
    if (ready <= 0) continue;
    uint8_t buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) {
      disconnect();
      continue;
    }
    /* Split frames here so the simulator can log acks and, when asked, lose some on purpose. */
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] != 0x00) {
        if (frame_len < HEARTH_RX_MAX) frame[frame_len++] = buf[i];
        continue;
      }
      if (frame_len == 0) continue;
      hearth_msg_t msg;
      uint8_t scratch[HEARTH_RX_MAX];
      int pass = 1;
      if (hearth_frame_decode(frame, frame_len, scratch, &msg) == HEARTH_OK && msg.type == HEARTH_ACK) {
        acks++;
        pass = !(ignore_every > 0 && acks % ignore_every == 0);
        printf("{\"event\":\"ack\",\"seq\":%u,\"ignored\":%s}\n", msg.u.ack.ack_seq, pass ? "false" : "true");
      }
      if (pass) {
        frame[frame_len++] = 0x00;
        hearth_node_receive(&node, frame, frame_len, now);
      }
      frame_len = 0;
    }
  }
  printf("{\"event\":\"exit\",\"retransmissions\":%lu,\"dropped\":%u,\"pending\":%u}\n",
         (unsigned long)node.retransmissions, node.dropped, hearth_node_pending(&node));
  if (fd >= 0) close(fd);
  return 0;
}
