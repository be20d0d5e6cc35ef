import type Database from 'better-sqlite3';
import type {
  AlertLedgerTable,
  DevicesTable,
  HubStateStore,
  PairedDevice,
  SerialNote,
  SerialNotesTable,
  SettingsTable,
} from './hub-state.js';
import type { RobotCommandLedger, RobotsTable } from './robot-tables.js';
import { SqliteCommandLedger, sqliteRobotsTable } from './sqlite-robot-tables.js';

const isSeq = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;

/**
 * Hub state in the outbox's SQLite database (opened and migrated by `openSqliteOutbox`), so a
 * write here can join a reading's transaction. Statements are prepared once.
 */
export class SqliteHubState implements HubStateStore {
  readonly settings: SettingsTable;
  readonly devices: DevicesTable;
  readonly alertLedger: AlertLedgerTable;
  readonly serialNotes: SerialNotesTable;
  readonly robots: RobotsTable;
  readonly robotCommands: RobotCommandLedger;

  constructor(db: Database.Database, onUnreadableNote: (nodeId: string, reason: string) => void = () => {}) {
    const getSetting = db.prepare('SELECT value FROM settings WHERE key = ?');
    const putSetting = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.settings = {
      get: (key) => (getSetting.get(key) as { value: string } | undefined)?.value,
      set: (key, value) => void putSetting.run(key, value),
    };

    const listDevices = db.prepare('SELECT * FROM devices ORDER BY id');
    const putDevice = db.prepare(
      `INSERT INTO devices (id, type, settings, room, added_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET type = excluded.type, settings = excluded.settings, room = excluded.room`,
    );
    const removeDevice = db.prepare('DELETE FROM devices WHERE id = ?');
    this.devices = {
      list: () =>
        (
          listDevices.all() as {
            id: string;
            type: string;
            settings: string;
            room: string | null;
            added_at: number;
          }[]
        ).map(
          (r): PairedDevice => ({
            id: r.id,
            type: r.type,
            settings: JSON.parse(r.settings) as Record<string, unknown>,
            ...(r.room === null ? {} : { room: r.room }),
            addedAt: r.added_at,
          }),
        ),
      put: (d) => void putDevice.run(d.id, d.type, JSON.stringify(d.settings), d.room ?? null, d.addedAt),
      remove: (id) => removeDevice.run(id).changes > 0,
    };

    const getLedger = db.prepare('SELECT document FROM alert_ledger WHERE id = 1');
    const putLedger = db.prepare(
      'INSERT INTO alert_ledger (id, document) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET document = excluded.document',
    );
    this.alertLedger = {
      load: () => (getLedger.get() as { document: string } | undefined)?.document,
      save: (document) => void putLedger.run(document),
    };

    const getNote = db.prepare('SELECT boot_id, seqs FROM serial_notes WHERE node_id = ?');
    const putNote = db.prepare(
      `INSERT INTO serial_notes (node_id, boot_id, seqs) VALUES (?, ?, ?)
       ON CONFLICT(node_id) DO UPDATE SET boot_id = excluded.boot_id, seqs = excluded.seqs`,
    );
    this.serialNotes = {
      get: (nodeId): SerialNote | undefined => {
        const row = getNote.get(nodeId) as { boot_id: number; seqs: string } | undefined;
        if (!row) return undefined;
        let seqs: unknown;
        try {
          seqs = JSON.parse(row.seqs);
        } catch {
          onUnreadableNote(nodeId, 'the note is not JSON');
          return undefined;
        }
        if (!Number.isInteger(row.boot_id) || !Array.isArray(seqs) || !seqs.every(isSeq)) {
          onUnreadableNote(nodeId, 'the note lacks an integer bootId and a list of 16-bit seqs');
          return undefined;
        }
        return { bootId: row.boot_id, seqs };
      },
      put: (nodeId, note) => void putNote.run(nodeId, note.bootId, JSON.stringify(note.seqs)),
    };

    this.robots = sqliteRobotsTable(db);
    this.robotCommands = new SqliteCommandLedger(db);
  }
}
