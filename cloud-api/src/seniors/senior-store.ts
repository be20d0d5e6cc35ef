import type { Sql } from '../db/database.js';
import type { StaffPrincipal } from '../http/env.js';
import type { Senior } from './schemas.js';

interface SeniorRow {
  id: string;
  name: string;
  address: string | null;
  timezone: string;
  health_info: Record<string, unknown>;
  video_consent: boolean;
  created_at: Date;
  updated_at: Date;
}

function toSenior(r: SeniorRow): Senior {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    timezone: r.timezone,
    healthInfo: r.health_info,
    videoConsent: r.video_consent,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Seniors and who looks after them. Visibility: admins see everyone, others only their assigned seniors. */
export class SeniorStore {
  constructor(private readonly sql: Sql) {}

  /** True when `who` may see this senior (and the senior exists). */
  async canSee(who: StaffPrincipal, seniorId: string): Promise<boolean> {
    if (who.role === 'admin') {
      const [row] = await this.sql`select 1 from seniors where id = ${seniorId}`;
      return !!row;
    }
    const [row] = await this
      .sql`select 1 from staff_seniors where staff_id = ${who.id} and senior_id = ${seniorId}`;
    return !!row;
  }

  /** The senior if `who` may see them, else undefined (absent and forbidden look the same). */
  async getVisible(who: StaffPrincipal, seniorId: string): Promise<Senior | undefined> {
    if (!(await this.canSee(who, seniorId))) return undefined;
    const [row] = await this.sql<SeniorRow[]>`select * from seniors where id = ${seniorId}`;
    return row && toSenior(row);
  }

  /** Every senior `who` may see, by name. */
  async listVisible(who: StaffPrincipal): Promise<Senior[]> {
    const rows =
      who.role === 'admin'
        ? await this.sql<SeniorRow[]>`select * from seniors order by name, id`
        : await this.sql<SeniorRow[]>`select s.* from seniors s join staff_seniors a on a.senior_id = s.id
            where a.staff_id = ${who.id} order by s.name, s.id`;
    return rows.map(toSenior);
  }

  async create(input: {
    name: string;
    address?: string | null | undefined;
    timezone: string;
    healthInfo: Record<string, unknown>;
  }): Promise<Senior> {
    const [row] = await this.sql<SeniorRow[]>`
      insert into seniors (name, address, timezone, health_info)
      values (${input.name}, ${input.address ?? null}, ${input.timezone}, ${this.sql.json(input.healthInfo as never)})
      returning *`;
    return toSenior(row!);
  }

  /** Applies the given fields; undefined when the senior does not exist. */
  async update(
    id: string,
    patch: {
      name?: string;
      address?: string | null;
      timezone?: string;
      healthInfo?: Record<string, unknown>;
    },
  ): Promise<Senior | undefined> {
    const [row] = await this.sql<SeniorRow[]>`
      update seniors set
        name = coalesce(${patch.name ?? null}, name),
        address = case when ${patch.address !== undefined} then ${patch.address ?? null} else address end,
        timezone = coalesce(${patch.timezone ?? null}, timezone),
        health_info = coalesce(${patch.healthInfo ? this.sql.json(patch.healthInfo as never) : null}::jsonb, health_info),
        updated_at = now()
      where id = ${id} returning *`;
    return row && toSenior(row);
  }

  /** Assigns a staff member (idempotent; updates the position). False when staff or senior is absent. */
  async assign(seniorId: string, staffId: string, position?: number): Promise<boolean> {
    const rows = await this.sql`
      insert into staff_seniors (staff_id, senior_id, position)
      select ${staffId}, ${seniorId},
        coalesce(${position ?? null}::int, (select coalesce(max(position) + 1, 0) from staff_seniors where senior_id = ${seniorId}))
      where exists (select 1 from staff where id = ${staffId}) and exists (select 1 from seniors where id = ${seniorId})
      on conflict (staff_id, senior_id) do update set position = coalesce(${position ?? null}::int, staff_seniors.position)
      returning staff_id`;
    return rows.length > 0;
  }

  /** Staff assigned to the senior, in escalation order. */
  async assignedStaff(seniorId: string): Promise<{ staffId: string; position: number }[]> {
    const rows = await this.sql<{ staff_id: string; position: number }[]>`
      select staff_id, position from staff_seniors where senior_id = ${seniorId} order by position, created_at`;
    return rows.map((r) => ({ staffId: r.staff_id, position: r.position }));
  }

  /**
   * Who the escalation policy chooses from for each senior: the carers in escalation order (the
   * first is the primary carer; technicians install hubs, they are not carers), which of them are on
   * duty (a shift is the notification settings' `on_duty`; without settings a person is on duty), and
   * every active admin; and everyone assigned (`viewers`, technicians included), who may see the
   * senior's items. Seniors without anyone map to `[]`.
   */
  async escalationAudience(seniorIds: string[]): Promise<{
    carers: Map<string, string[]>;
    viewers: Map<string, string[]>;
    admins: string[];
    onDuty: Set<string>;
  }> {
    const carers = new Map<string, string[]>(seniorIds.map((id) => [id, []]));
    const viewers = new Map<string, string[]>(seniorIds.map((id) => [id, []]));
    const onDuty = new Set<string>();
    if (seniorIds.length > 0) {
      // The shift lives in the notification settings; read here so that every user of the policy
      // (escalator, dashboards, notifier) sees the same people on duty.
      const rows = await this.sql<{ senior_id: string; staff_id: string; role: string; on_duty: boolean }[]>`
        select a.senior_id, a.staff_id, s.role, coalesce(n.on_duty, true) as on_duty
        from staff_seniors a join staff s on s.id = a.staff_id
        left join staff_notify_settings n on n.staff_id = a.staff_id
        where a.senior_id = any(${seniorIds}::uuid[]) and s.disabled_at is null
        order by a.senior_id, a.position, a.created_at`;
      for (const r of rows) {
        viewers.get(r.senior_id)?.push(r.staff_id);
        if (r.role !== 'technician') carers.get(r.senior_id)?.push(r.staff_id);
        if (r.on_duty) onDuty.add(r.staff_id);
      }
    }
    const admins = await this.sql<{ id: string }[]>`
      select id from staff where role = 'admin' and disabled_at is null order by created_at`;
    return { carers, viewers, admins: admins.map((a) => a.id), onDuty };
  }
}
