import {
  type AgentUpdateResult,
  type HubDownMessage,
  type HubRollout,
  ReleaseVersion,
  type RolloutRequest,
} from '@hearth/shared';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { auditText } from '../audit/sanitise.js';
import type { Bus } from '../bus/bus.js';
import { ring } from '../bus/channel.js';
import { sendToHub } from '../hubs/hub-commands.js';
import { HUBS } from '../hubs/hub-ring.js';
import type { HubStore } from '../hubs/hub-store.js';
import type { ReleaseHooks } from '../realtime/hub-handlers.js';
import type { HubSession } from '../realtime/hub-session.js';
import type { ReleaseRecord, ReleaseStore } from './release-store.js';
import { type Rollout, RolloutRefused, SETTLED_STATES, selects, widen } from './rollout.js';

/** Hubs per bus ring when a rollout tells its hubs. */
const OFFER_BATCH = 500;

export interface ReleaseOffersDeps {
  store: ReleaseStore;
  hubs: HubStore;
  bus: Bus;
  audit: AuditLog;
  log: Logger;
  /** Base URL hubs download from (the public URL, else this instance's). */
  baseUrl: () => string;
}

/** Why a rollout was refused, with a code the route turns into its answer. */
export class RolloutError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT' | 'VALIDATION_FAILED',
    message: string,
  ) {
    super(message);
  }
}

/** What a rollout request did. */
export interface RolloutOutcome {
  version: string;
  rollout: Rollout;
  /** Hubs the rollout reaches now. */
  targeted: number;
  /** Hubs chosen by this request that were not before. */
  added: number;
}

/**
 * Offers releases to hubs: when a rollout starts or widens (to every reached hub, on whichever
 * instance holds its control socket), and to a hub that says hello later (catch-up). Records what the
 * hubs report and tells the dashboards on the `hubs` topic.
 */
export class ReleaseOffers implements ReleaseHooks {
  constructor(private readonly deps: ReleaseOffersDeps) {}

  /** The `update`/`release` message for a release. */
  offer(release: ReleaseRecord): HubDownMessage {
    const url = `${this.deps.baseUrl()}/api/v1/hub/releases/${encodeURIComponent(release.version)}/bundle`;
    return {
      type: 'update',
      topic: 'release',
      data: {
        version: release.version,
        url,
        sha256: release.sha256,
        signature: release.signature,
        size: release.size,
        arch: release.arch,
      },
    };
  }

  /**
   * Starts or widens a release's rollout and offers the release to every hub it reaches that has not
   * settled on it and does not run it already.
   * @throws RolloutError NOT_FOUND (no such release), CONFLICT (it would narrow), VALIDATION_FAILED (a named hub is not active).
   */
  async rollOut(
    version: string,
    request: RolloutRequest,
    staffId: string,
    /** Runs once the request is found valid, before anything changes (the audit record). */
    beforeApply: (rollout: Rollout) => Promise<void>,
  ): Promise<RolloutOutcome> {
    const { store } = this.deps;
    const release = await store.get(version);
    if (!release) throw new RolloutError('NOT_FOUND', `release ${version} not found`);
    let rollout: Rollout;
    try {
      rollout = widen(await store.rollout(version), request);
    } catch (err) {
      if (err instanceof RolloutRefused) throw new RolloutError('CONFLICT', err.message);
      throw err;
    }
    if (request.hubIds) {
      const missing = await store.notActive(request.hubIds.map((h) => h.toLowerCase()));
      if (missing.length > 0)
        throw new RolloutError('VALIDATION_FAILED', `not an active hub: ${missing.join(', ')}`);
    }
    await beforeApply(rollout);
    await store.saveRollout(version, rollout, staffId);
    const reached = (await store.activeHubs()).filter((h) => selects(rollout, h.id));
    const added = await store.target(
      version,
      reached.map((h) => h.id),
    );
    // Told again if it was told before and has not answered yet: the offer is idempotent on the hub.
    const waiting = new Set(await store.hubsIn(version, ['targeted', 'offered', 'downloading']));
    const toTell = reached.filter((h) => waiting.has(h.id) && h.agentVersion !== version).map((h) => h.id);
    const message = this.offer(release);
    for (let i = 0; i < toTell.length; i += OFFER_BATCH)
      await sendToHub(this.deps.bus, { hubIds: toTell.slice(i, i + OFFER_BATCH), message });
    return { version, rollout, targeted: reached.length, added };
  }

  async hello(session: HubSession): Promise<void> {
    const { store, log } = this.deps;
    try {
      // The version itself was stored with the hello (`recordHello`), before this runs.
      // The newest release whose rollout reaches this hub; older ones are superseded by it.
      const newest = (await store.rolledOut()).find((r) => selects(r.rollout, session.hubId));
      if (!newest) return;
      const { release } = newest;
      const state = await store.state(release.version, session.hubId);
      if (state && SETTLED_STATES.includes(state)) return;
      if (session.agentVersion === release.version) {
        await store.setState(release.version, session.hubId, 'installed', 'running it when it connected');
        return;
      }
      if (!state) await store.target(release.version, [session.hubId]);
      session.send(this.offer(release));
      this.offered(session.hubId, release.version);
    } catch (err) {
      log.warn({ err, hubId: session.hubId }, 'could not offer the hub a release it missed');
    }
  }

  offered(hubId: string, version: string): void {
    this.deps.store
      .setState(version, hubId, 'offered', null, ['targeted'])
      .catch((err: unknown) =>
        this.deps.log.warn({ err, hubId, version }, 'could not record a release offer'),
      );
  }

  /** The hub asked for the bundle: `downloading`, unless it already reported a result. Never throws. */
  async downloading(hubId: string, version: string): Promise<void> {
    await this.deps.store
      .setState(version, hubId, 'downloading', null, ['targeted', 'offered'])
      .catch((err: unknown) => this.deps.log.warn({ err, hubId, version }, 'could not record a download'));
  }

  async result(session: HubSession, result: AgentUpdateResult): Promise<void> {
    const { store, hubs, audit, bus, log } = this.deps;
    // The contract bounds these strings but not what PostgreSQL can store: made storable first.
    const known = ReleaseVersion.safeParse(result.version).success && (await store.exists(result.version));
    const detail = result.detail === undefined ? null : auditText(result.detail, 500);
    if (known) await store.setState(result.version, session.hubId, result.status, detail);
    const reported = result.running ?? (result.status === 'installed' ? result.version : undefined);
    const running = reported && ReleaseVersion.safeParse(reported).success ? reported : undefined;
    if (running) {
      await hubs.setAgentVersion(session.hubId, running);
      session.agentVersion = running;
    }
    await audit.record({
      actorType: 'hub',
      actorId: session.hubId,
      action: `release.${result.status}`,
      targetType: 'hub',
      targetId: session.hubId,
      outcome: result.status === 'installed' ? 'ok' : 'failed',
      details: { version: result.version, running: reported ?? null, detail, known },
    });
    if (!known) {
      log.warn(
        { hubId: session.hubId, version: result.version },
        'hub reported on a release this cloud does not have',
      );
      return;
    }
    const hub = await hubs.view(session.hubId);
    if (!hub) return;
    const rollout: HubRollout = {
      hubId: session.hubId,
      version: result.version,
      state: result.status,
      detail,
      updatedAt: new Date().toISOString(),
    };
    await ring(bus, HUBS, { change: 'release', hub, rollout }).catch((err: unknown) =>
      log.warn({ err, hubId: session.hubId }, 'update result stored but the bus ring failed'),
    );
  }
}
