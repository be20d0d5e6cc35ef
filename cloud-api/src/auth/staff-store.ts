import type { Role, StaffMember } from '@hearth/shared';
import type { Sql } from '../db/database.js';
import { ApiError } from '../http/errors.js';
import { hashPassword } from './passwords.js';

interface StaffRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  disabled_at: Date | null;
}

export interface StaffWithHash extends StaffMember {
  passwordHash: string;
  disabled: boolean;
}

function toStaff(row: StaffRow): StaffWithHash {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    disabled: row.disabled_at !== null,
  };
}

/** Public view of a staff member (no hash). */
export function publicStaff(s: StaffWithHash): StaffMember {
  return { id: s.id, email: s.email, name: s.name, role: s.role };
}

/** Staff accounts in PostgreSQL. */
export class StaffStore {
  constructor(private readonly sql: Sql) {}

  /** The account with this email (case-insensitive), or undefined. */
  async findByEmail(email: string): Promise<StaffWithHash | undefined> {
    const [row] = await this.sql<StaffRow[]>`select * from staff where lower(email) = lower(${email})`;
    return row && toStaff(row);
  }

  /** The account with this id, or undefined. */
  async findById(id: string): Promise<StaffWithHash | undefined> {
    const [row] = await this.sql<StaffRow[]>`select * from staff where id = ${id}`;
    return row && toStaff(row);
  }

  /** Every account, by name, with whether it is disabled. */
  async list(): Promise<(StaffMember & { disabled: boolean })[]> {
    const rows = await this.sql<StaffRow[]>`select * from staff order by name, email`;
    return rows.map((r) => ({ ...publicStaff(toStaff(r)), disabled: r.disabled_at !== null }));
  }

  /** Gives the account a new role. @returns false when it does not exist. */
  async setRole(id: string, role: Role): Promise<boolean> {
    const rows = await this.sql`update staff set role = ${role} where id = ${id} returning id`;
    return rows.length > 0;
  }

  /**
   * Creates an account with an argon2id hash of `password`.
   * @throws ApiError 409 CONFLICT when the email is taken.
   */
  async create(input: { email: string; name: string; role: Role; password: string }): Promise<StaffMember> {
    const passwordHash = await hashPassword(input.password);
    const rows = await this.sql<StaffRow[]>`
      insert into staff (email, name, role, password_hash)
      values (${input.email}, ${input.name}, ${input.role}, ${passwordHash})
      on conflict do nothing
      returning *`;
    const row = rows[0];
    if (!row) throw new ApiError(409, 'CONFLICT', `a staff member with email ${input.email} already exists`);
    return publicStaff(toStaff(row));
  }

  /** Creates the account unless one with that email exists; returns whether it created it. */
  async ensure(input: { email: string; name: string; role: Role; password: string }): Promise<boolean> {
    if (await this.findByEmail(input.email)) return false;
    try {
      await this.create(input);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CONFLICT') return false;
      throw err;
    }
  }
}
