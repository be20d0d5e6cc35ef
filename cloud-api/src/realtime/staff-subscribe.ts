import type { StaffClientMessage } from '@hearth/shared';
import { auditOnce, type StaffContext } from './staff-context.js';
import type { StaffSession, TopicState } from './staff-session.js';

type Subscribe = Extract<StaffClientMessage, { type: 'subscribe' }>;

/**
 * A subscribe: checks the topic is this person's to see, answers with a snapshot, then lets updates
 * through. Updates rung while the snapshot is read wait and go out after it, so nothing is lost or
 * applied out of order.
 */
export async function subscribe(ctx: StaffContext, session: StaffSession, m: Subscribe): Promise<void> {
  const { topic, id } = m;
  const grant = await ctx.access.authorise(session.staff, topic);
  if (grant.audit) await auditOnce(ctx, session, grant.audit);
  if (!grant.ok) return session.error(topic, grant.code, grant.message, id);
  if (session.topics.has(topic)) session.topics.delete(topic);
  else if (!ctx.registry.join(topic, session)) {
    return session.error(topic, 'RATE_LIMITED', `too many connections subscribed to ${topic}`, id);
  }
  const state: TopicState = { pending: [], ...(grant.kind === 'video' && { seniorId: grant.seniorId }) };
  session.topics.set(topic, state);
  if (grant.kind !== 'alerts') {
    // Feeds have no cursor: a reconnecting dashboard simply takes a fresh snapshot.
    state.pending = null;
    // A senior or hub update always carries the whole item, so one rung while the snapshot is read
    // is held and sent after it: applied late it is still right, applied early the snapshot would undo it.
    // A video signal likewise: the viewer answers the offer, which must come before what follows it.
    if (topic === 'seniors' || topic === 'hubs' || grant.kind === 'video') state.held = [];
    let snapshot: unknown;
    try {
      snapshot = await ctx.access.snapshot(session.staff, topic, grant);
    } catch (err) {
      // Nothing will flush them: stop holding, or they would pile up for as long as the socket lives.
      delete state.held;
      throw err;
    }
    session.send({ type: 'snapshot', topic, data: snapshot, ...(id !== undefined && { id }) });
    // What the hub said before this subscription reached us comes first: it is older.
    const early = grant.kind === 'video' ? (ctx.earlySignals?.take(topic) ?? []) : [];
    const held = [...early, ...(state.held ?? [])];
    delete state.held;
    for (const text of held) session.sendText(text);
    return;
  }
  const snapshot = await ctx.access.alertSnapshot(session.staff, m.data);
  session.send({ type: 'snapshot', topic, data: snapshot, id: snapshot.cursor });
  const buffered = state.pending ?? [];
  state.pending = null;
  const inSnapshot = new Map(snapshot.alerts.map((a) => [a.id, a.cursor]));
  for (const update of buffered) {
    if ((inSnapshot.get(update.id) ?? -1) < update.cursor) session.sendAlert(update);
  }
  // A change the snapshot read may still be on its way over the bus: it must not be shown twice.
  state.shown = inSnapshot;
}
