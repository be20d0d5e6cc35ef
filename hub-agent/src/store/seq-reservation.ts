import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/** How far ahead of the last seq the reservation points: one fsync per this many seqs. */
const BLOCK = 10_000;

/**
 * A small file beside the outbox naming a seq above every seq handed out. If the database is ever
 * lost, the fresh one continues above it: a reused seq would be silently ignored by the cloud as a
 * duplicate, a gap is merely passed with markers.
 */
export class SeqReservation {
  private reserved: number;

  constructor(private readonly path: string) {
    this.reserved = this.read();
  }

  /** The seq every handed-out seq is at or below (0 when nothing was ever reserved). */
  through(): number {
    return this.reserved;
  }

  /** Makes sure seqs up to `seq` are covered, writing the file durably first when they are not. Throws on I/O failure. */
  reserve(seq: number): void {
    if (seq <= this.reserved) return;
    const next = seq + BLOCK;
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${next}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.reserved = next;
  }

  private read(): number {
    try {
      const value = Number(readFileSync(this.path, 'utf8').trim());
      return Number.isSafeInteger(value) && value > 0 ? value : 0;
    } catch {
      return 0;
    }
  }
}
