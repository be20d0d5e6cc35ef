import {
  MemoryCommandLedger,
  MemoryRobotsTable,
  type RobotCommandLedger,
  type RobotsTable,
} from './robot-tables.js';

/**
 * The hub's state that is not the outbox, one typed table each, in the same SQLite database (so a
 * reading and the note that it was recorded commit together). A new kind of state joins
 * `HubStateStore` as a member of its own. Every method is synchronous: a write happened when it
 * returns, or it threw.
 */

/** A sensor or microcontroller the technician added to this home. */
export interface PairedDevice {
  /** Stable id used as `sensorId` in events, e.g. `pir-kitchen`. */
  id: string;
  /** `gpio`, `serial` … decides which source reads it. */
  type: string;
  /** Type-specific settings (pin, debounce, device path…), validated by the source that reads it. */
  settings: Record<string, unknown>;
  room?: string;
  addedAt: number;
}

/** Small named values the hub keeps (the uplink's identity, the last rule settings heard). */
export interface SettingsTable {
  /** The stored value, or undefined. */
  get(key: string): string | undefined;
  /** Stores a value durably. Throws when the disk refuses. */
  set(key: string, value: string): void;
}

/** Devices the technician added. */
export interface DevicesTable {
  /** Every device, sorted by id. */
  list(): PairedDevice[];
  /** Adds or replaces a device. */
  put(device: PairedDevice): void;
  /** Removes a device; false when there was none with that id. */
  remove(id: string): boolean;
}

/** The alert ledger's records (alerts raised here and what people did about them), kept as one document. */
export interface AlertLedgerTable {
  /** The stored document, or undefined when none was ever saved. */
  load(): string | undefined;
  /** Replaces the stored document. Throws when the disk refuses. */
  save(document: string): void;
}

/** Which frames of a serial node's boot were recorded: the node resends what it never heard acked. */
export interface SerialNote {
  bootId: number;
  /** The last seqs recorded, oldest first. */
  seqs: number[];
}

/** One note per serial node. */
export interface SerialNotesTable {
  /** The note for the node; undefined when none, or when it is unreadable (then `onUnreadable` was told). */
  get(nodeId: string): SerialNote | undefined;
  /** Replaces the node's note. Throws when the disk refuses. */
  put(nodeId: string, note: SerialNote): void;
}

export interface HubStateStore {
  readonly settings: SettingsTable;
  readonly devices: DevicesTable;
  readonly alertLedger: AlertLedgerTable;
  readonly serialNotes: SerialNotesTable;
  /** Robots paired with this hub (credential hashes, last status). */
  readonly robots: RobotsTable;
  /** Every command sent to a robot and what became of it. */
  readonly robotCommands: RobotCommandLedger;
}

/** Hub state in memory, for unit tests and the demo; forgets everything on exit. */
export class MemoryHubState implements HubStateStore {
  private readonly values = new Map<string, string>();
  private readonly deviceRows = new Map<string, PairedDevice>();
  private ledger: string | undefined;
  private readonly notes = new Map<string, SerialNote>();

  readonly settings: SettingsTable = {
    get: (key) => this.values.get(key),
    set: (key, value) => void this.values.set(key, value),
  };

  readonly devices: DevicesTable = {
    list: () =>
      [...this.deviceRows.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((d) => structuredClone(d)),
    put: (device) => void this.deviceRows.set(device.id, structuredClone(device)),
    remove: (id) => this.deviceRows.delete(id),
  };

  readonly alertLedger: AlertLedgerTable = {
    load: () => this.ledger,
    save: (document) => {
      this.ledger = document;
    },
  };

  readonly serialNotes: SerialNotesTable = {
    get: (nodeId) => structuredClone(this.notes.get(nodeId)),
    put: (nodeId, note) => void this.notes.set(nodeId, structuredClone(note)),
  };

  readonly robots: RobotsTable = new MemoryRobotsTable();
  readonly robotCommands: RobotCommandLedger = new MemoryCommandLedger();
}
