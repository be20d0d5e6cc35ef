import { z } from 'zod';

/** The robot settings of `hearth-agent` (config key `robot`); every one has a default. */
export const RobotConfig = z
  .object({
    /** Run the robot link and safety checks at all. */
    enabled: z.boolean().default(true),
    /** The hub's own MQTT broker for the robots (unused when `externalBroker` is set). */
    broker: z
      .object({
        /** TCP port; MQTT's 1883 by default, `--mqtt-port N` on the command line. */
        port: z.number().int().min(0).max(65_535).default(1883),
        /** Address to listen on: the home LAN by default; `127.0.0.1` keeps robots to this machine. */
        host: z.string().min(1).default('0.0.0.0'),
        /** PEM files for MQTT over TLS; plain MQTT without. */
        tls: z
          .object({ certFile: z.string().min(1), keyFile: z.string().min(1) })
          .strict()
          .optional(),
        /** Largest MQTT packet accepted, bytes. */
        maxPacketBytes: z
          .number()
          .int()
          .min(1024)
          .max(16 * 2 ** 20)
          .default(65_536),
        /** New connections allowed per remote address within `connectionWindowSeconds`. */
        connectionsPerAddress: z.number().int().min(1).default(20),
        connectionWindowSeconds: z.number().int().min(1).default(10),
        /** After a restart, a robot that does not come back within this is announced offline (its will). */
        willGraceSeconds: z.number().int().min(1).default(30),
      })
      .strict()
      .prefault({}),
    /** Use this broker instead of the hub's own (it must apply the same topics and ACL). */
    externalBroker: z
      .object({
        url: z.string().regex(/^mqtts?:\/\/[^/\s]+$/, 'an mqtt:// or mqtts:// URL with host and port'),
        username: z.string().min(1),
        password: z.string().min(1),
        /** CA certificate (PEM file) to trust for mqtts. */
        caFile: z.string().min(1).optional(),
        /**
         * An admin login of Mosquitto's dynamic-security plugin: `hearth robot add` / `remove` then
         * create and delete the robot's login on the broker (removal disconnects it at once).
         */
        dynamicSecurity: z
          .object({ username: z.string().min(1), password: z.string().min(1) })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** A robot must acknowledge a command within this (the command's deadline). */
    ackTimeoutSeconds: z.number().int().min(1).max(3600).default(30),
    /** An acknowledged check must report a result within this, or it counts as unanswered. */
    resultTimeoutSeconds: z
      .number()
      .int()
      .min(10)
      .max(24 * 3600)
      .default(600),
    /** Below this battery level a robot is not sent and counts as unavailable. */
    lowBatteryPercent: z.number().min(0).max(100).default(15),
  })
  .strict();
export type RobotConfig = z.infer<typeof RobotConfig>;
