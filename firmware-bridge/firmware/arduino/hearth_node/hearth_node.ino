/*
 * Hearth sensor node for an Arduino Uno/Nano (ATmega328P) on the hub's USB serial line, 115200 8N1.
 *
 * Wiring:
 *   D2  PIR motion sensor output (HC-SR501: HIGH while motion)
 *   D3  door/window reed contact to GND (INPUT_PULLUP: LOW = closed)
 *   D4  pendant/wall button to GND (INPUT_PULLUP: LOW = pressed)
 *   A0  TMP36 temperature sensor (10 mV/degC, 500 mV at 0 degC)
 *   A5  left unconnected: its noise seeds the boot id
 *
 * Build: arduino-cli compile --fqbn arduino:avr:uno --library ../../src arduino/hearth_node
 */
#include <Arduino.h>

#include "hearth_node.h"

enum { SENSOR_TEMP = 0, SENSOR_PIR = 1, SENSOR_DOOR = 2, SENSOR_BUTTON = 3 };

static const uint8_t PIN_PIR = 2;
static const uint8_t PIN_DOOR = 3;
static const uint8_t PIN_BUTTON = 4;
static const uint8_t PIN_TEMP = A0;
static const uint32_t TEMP_EVERY_MS = 60000UL;
static const uint32_t DEBOUNCE_MS = 30;

static hearth_sensor_t sensors[4];
static hearth_node_t node;

struct Input {
  uint8_t pin;
  uint8_t sensor;
  bool activeLow;
  bool state;
  bool raw;
  uint32_t changedAt;
};

static Input inputs[] = {
    {PIN_PIR, SENSOR_PIR, false, false, false, 0},
    {PIN_DOOR, SENSOR_DOOR, false, false, false, 0},  // reed open (HIGH) = door open = active
    {PIN_BUTTON, SENSOR_BUTTON, true, false, false, 0},
};

static uint32_t lastTemperatureAt = 0;

static void writeSerial(const uint8_t *bytes, size_t len, void *) { Serial.write(bytes, len); }

static uint32_t bootId() {
  // Unconnected-pin noise and startup timing; a collision only costs resending a few frames' worth.
  uint32_t id = micros();
  for (uint8_t i = 0; i < 32; i++) id = (id << 1) ^ (id >> 31) ^ (uint32_t)analogRead(A5);
  return id;
}

void setup() {
  Serial.begin(115200);
  pinMode(PIN_PIR, INPUT);
  pinMode(PIN_DOOR, INPUT_PULLUP);
  pinMode(PIN_BUTTON, INPUT_PULLUP);
  sensors[SENSOR_TEMP] = {HEARTH_KIND_TEMPERATURE, hearth_text("temp")};
  sensors[SENSOR_PIR] = {HEARTH_KIND_MOTION, hearth_text("pir")};
  sensors[SENSOR_DOOR] = {HEARTH_KIND_CONTACT, hearth_text("door")};
  sensors[SENSOR_BUTTON] = {HEARTH_KIND_BUTTON, hearth_text("button")};

  hearth_node_config_t cfg = {};
  cfg.node_id = "node-1";  // set per node before flashing; the hub names sensors "<node id>/<sensor>"
  cfg.firmware_version = "1.0.0";
  cfg.sensors = sensors;
  cfg.sensor_count = 4;
  cfg.boot_id = bootId();
  cfg.heartbeat_interval_ms = 10000;
  cfg.resend_after_ms = 500;
  cfg.write = writeSerial;
  hearth_node_init(&node, &cfg, millis());
  Serial.write((uint8_t)0);  // end any bootloader noise before the first frame
}

void loop() {
  uint32_t now = millis();
  uint8_t buf[16];
  size_t n = 0;
  while (Serial.available() && n < sizeof buf) buf[n++] = (uint8_t)Serial.read();
  if (n > 0) hearth_node_receive(&node, buf, n, now);

  for (Input &in : inputs) {
    bool raw = digitalRead(in.pin) == (in.activeLow ? LOW : HIGH);
    if (raw != in.raw) {
      in.raw = raw;
      in.changedAt = now;
    } else if (raw != in.state && now - in.changedAt >= DEBOUNCE_MS) {
      in.state = raw;
      hearth_node_event(&node, in.sensor, raw ? 1 : 0, now);
    }
  }

  if (now - lastTemperatureAt >= TEMP_EVERY_MS || lastTemperatureAt == 0) {
    lastTemperatureAt = now == 0 ? 1 : now;
    int32_t millivolts = (int32_t)analogRead(PIN_TEMP) * 5000L / 1024L;
    hearth_node_reading(&node, SENSOR_TEMP, millivolts - 500, -1, now);  // tenths of a degree
  }

  hearth_node_poll(&node, now);
}
