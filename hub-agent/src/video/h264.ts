/**
 * H.264 Annex-B byte stream (ITU-T H.264 Annex B): NAL units separated by start codes
 * `00 00 01` / `00 00 00 01`, grouped into access units (one picture each, clause 7.4.1.2.3).
 */

/** NAL unit types this code cares about (H.264 table 7-1). */
export const NalType = {
  slice: 1,
  idr: 5,
  sei: 6,
  sps: 7,
  pps: 8,
  aud: 9,
} as const;

/** One coded picture with everything that precedes it (AUD, SPS, PPS, SEI), start codes kept. */
export interface AccessUnit {
  /** Annex-B bytes of the whole access unit, ready for a packetizer that splits on start codes. */
  data: Buffer;
  /** The NAL unit types in order. */
  nalTypes: number[];
  /** Holds an IDR picture: a decoder can start here (with the SPS/PPS it carries or had). */
  keyframe: boolean;
  /** The sequence parameter set inside this access unit, without start code, if any. */
  sps?: Buffer;
}

export const nalType = (nal: Buffer): number => (nal[0] ?? 0) & 0x1f;

/** True for a coded slice (types 1-5): the picture itself rather than parameters around it. */
const isVcl = (type: number) => type >= 1 && type <= 5;

/**
 * Finds the start codes in `buf` and returns each NAL unit's bounds (payload only, start code
 * excluded). The last unit runs to the end of the buffer: the caller decides whether it is complete.
 */
export function findNalUnits(buf: Buffer): { start: number; end: number; codeStart: number }[] {
  const units: { start: number; end: number; codeStart: number }[] = [];
  let i = 0;
  let current: { start: number; codeStart: number } | null = null;
  while (i + 2 < buf.length) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
      // A four-byte start code is a zero byte before the three-byte one (B.1.1 zero_byte).
      const codeStart = i > 0 && buf[i - 1] === 0 ? i - 1 : i;
      if (current) units.push({ ...current, end: codeStart });
      current = { start: i + 3, codeStart };
      i += 3;
    } else i++;
  }
  if (current) units.push({ ...current, end: buf.length });
  return units;
}

/** Splits a complete Annex-B buffer into its NAL units (start codes removed). */
export function splitNalUnits(buf: Buffer): Buffer[] {
  return findNalUnits(buf)
    .map((u) => buf.subarray(u.start, u.end))
    .filter((n) => n.length > 0);
}

/**
 * Cuts a byte stream, in chunks split anywhere, into access units. A unit is emitted as soon as
 * the first bytes of the next one arrive, so it trails the encoder by one picture: the only way to
 * know a picture is complete in Annex B without a container.
 */
export class AccessUnitAssembler {
  private pending: Buffer = Buffer.alloc(0);
  /** Complete NAL units (with their start codes) of the access unit being gathered. */
  private nals: { bytes: Buffer; type: number }[] = [];
  private hasVcl = false;

  /** Feeds bytes; returns the access units completed by them. */
  push(chunk: Buffer): AccessUnit[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const units = findNalUnits(this.pending);
    const out: AccessUnit[] = [];
    if (units.length === 0) {
      // No start code yet: keep at most the bytes that could begin one.
      if (this.pending.length > 3) this.pending = this.pending.subarray(this.pending.length - 3);
      return out;
    }
    // Everything but the last unit is complete; the last may still grow.
    for (const unit of units.slice(0, -1)) {
      const bytes = this.pending.subarray(unit.codeStart, unit.end);
      const payload = this.pending.subarray(unit.start, unit.end);
      if (payload.length === 0) continue;
      const done = this.add(Buffer.from(bytes), payload);
      if (done) out.push(done);
    }
    const last = units[units.length - 1]!;
    // The next unit's first two bytes already say whether it opens a new picture: no need to wait for its end.
    const head = this.pending.subarray(last.start, Math.min(last.end, last.start + 2));
    if (head.length === 2 && this.hasVcl && startsNewAccessUnit(nalType(head), head)) {
      const done = this.emit();
      if (done) out.push(done);
    }
    this.pending = Buffer.from(this.pending.subarray(last.codeStart));
    return out;
  }

  /** The stream ended: the last unit is complete. */
  flush(): AccessUnit[] {
    const out: AccessUnit[] = [];
    const units = findNalUnits(this.pending);
    for (const unit of units) {
      const payload = this.pending.subarray(unit.start, unit.end);
      if (payload.length === 0) continue;
      const done = this.add(Buffer.from(this.pending.subarray(unit.codeStart, unit.end)), payload);
      if (done) out.push(done);
    }
    this.pending = Buffer.alloc(0);
    const rest = this.emit();
    if (rest) out.push(rest);
    return out;
  }

  /** Adds one complete NAL unit; returns the access unit it closed, if it began a new one. */
  private add(bytes: Buffer, payload: Buffer): AccessUnit | undefined {
    const type = nalType(payload);
    let closed: AccessUnit | undefined;
    if (this.hasVcl && startsNewAccessUnit(type, payload)) closed = this.emit();
    this.nals.push({ bytes, type });
    if (isVcl(type)) this.hasVcl = true;
    return closed;
  }

  private emit(): AccessUnit | undefined {
    if (this.nals.length === 0 || !this.hasVcl) return undefined;
    const nals = this.nals;
    this.nals = [];
    this.hasVcl = false;
    const sps = nals.find((n) => n.type === NalType.sps);
    const types = nals.map((n) => n.type);
    return {
      data: Buffer.concat(nals.map((n) => n.bytes)),
      nalTypes: types,
      keyframe: types.includes(NalType.idr),
      ...(sps && { sps: stripStartCode(sps.bytes) }),
    };
  }
}

/**
 * After a picture's slices, these begin the next access unit (7.4.1.2.3): an AUD, SPS, PPS or SEI,
 * or a slice whose first_mb_in_slice is 0. first_mb_in_slice is the first ue(v) of the slice
 * header, and ue(v) codes 0 as a single `1` bit: the top bit of the byte after the NAL header.
 */
function startsNewAccessUnit(type: number, payload: Buffer): boolean {
  if (type === NalType.aud || type === NalType.sps || type === NalType.pps || type === NalType.sei)
    return true;
  if (isVcl(type)) return ((payload[1] ?? 0) & 0x80) !== 0;
  return type >= 14 && type <= 18;
}

function stripStartCode(bytes: Buffer): Buffer {
  const unit = findNalUnits(bytes)[0];
  return unit ? bytes.subarray(unit.start, unit.end) : bytes;
}

/** What an SPS says about the stream, as far as the SDP needs it. */
export interface SpsInfo {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  /** RFC 6184 §8.1 `profile-level-id`: profile_idc, constraint flags and level_idc as six hex digits. */
  profileLevelId: string;
}

/** Reads the first three bytes after an SPS's NAL header (7.3.2.1.1). @throws when it is not an SPS. */
export function parseSps(sps: Buffer): SpsInfo {
  if (nalType(sps) !== NalType.sps) throw new Error(`not an SPS (NAL type ${nalType(sps)})`);
  const rbsp = removeEmulationPrevention(sps.subarray(1, 8));
  if (rbsp.length < 3) throw new Error('SPS too short');
  const [profileIdc, constraintFlags, levelIdc] = [rbsp[0]!, rbsp[1]!, rbsp[2]!];
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    profileLevelId: `${hex(profileIdc)}${hex(constraintFlags)}${hex(levelIdc)}`,
  };
}

/** Removes emulation_prevention_three_byte (7.4.1): `00 00 03` → `00 00`. */
export function removeEmulationPrevention(bytes: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const b of bytes) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}
