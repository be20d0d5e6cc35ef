import type { StaffPrincipal } from '../http/env.js';

/** Who is subscribed to what on this instance, with a cap per staff member and topic. */
export class TopicRegistry {
  private readonly byTopic = new Map<string, Set<{ staff: StaffPrincipal }>>();

  constructor(private readonly maxPerStaff: number) {}

  /** Adds a member; false when that staff member already holds `maxPerStaff` subscriptions to the topic. */
  join<T extends { staff: StaffPrincipal }>(topic: string, member: T): boolean {
    let set = this.byTopic.get(topic);
    if (!set) {
      set = new Set();
      this.byTopic.set(topic, set);
    }
    let mine = 0;
    for (const m of set) if (m.staff.id === member.staff.id) mine++;
    if (mine >= this.maxPerStaff) return false;
    set.add(member);
    return true;
  }

  leave(topic: string, member: { staff: StaffPrincipal }): void {
    const set = this.byTopic.get(topic);
    set?.delete(member);
    if (set?.size === 0) this.byTopic.delete(topic);
  }

  /** Members of a topic (a live view; copy before awaiting). */
  members<T extends { staff: StaffPrincipal }>(topic: string): Set<T> {
    return (this.byTopic.get(topic) ?? new Set()) as Set<T>;
  }
}
