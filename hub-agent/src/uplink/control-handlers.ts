import type { AgentRelease, ModelAvailable } from '@hearth/shared';
import type { Logger } from 'pino';
import type { AlertLedger } from '../alerts/alert-ledger.js';
import type { OnSafetyCheckRequested } from '../alerts/safety-check.js';
import type { ControlHandlers } from './control-channel.js';

export interface ControlHandlerDeps {
  log: Logger;
  /** Where a person's acknowledgement or resolution is kept. */
  ledger: AlertLedger;
  /** The model updater's notice: fetches the model unless it is the one in use. */
  modelAvailable: (notice: ModelAvailable) => Promise<unknown>;
  /** Applies the senior's rule settings the same way `/hub/config` does; throws (naming the setting) on a bad one. */
  applyRules: (rules: Record<string, unknown>) => void;
  /** The robot's seam; without a robot the hub answers that it cannot check. */
  onSafetyCheckRequested: OnSafetyCheckRequested;
  /** Called on each (re)connection, to catch up on what the cloud said while the hub was away. */
  catchUp?: () => void;
  /** An over-the-air release offered by the cloud (the updater takes one at a time). */
  releaseOffered?: (release: AgentRelease) => void;
  /** The cloud's receipt of an update result. */
  releaseAcknowledged?: (id: string | number | undefined) => void;
  /** Live video signaling (`VideoSignaling.receive`); absent on a hub without video. */
  videoSignal?: (topic: string, data: unknown) => void | Promise<void>;
}

/** Routes each message from the cloud to the part of the hub it concerns. */
export function controlHandlers(deps: ControlHandlerDeps): ControlHandlers {
  const { log } = deps;
  return {
    connected: () => deps.catchUp?.(),
    ...(deps.videoSignal && { videoSignal: deps.videoSignal }),
    ...(deps.releaseOffered && {
      releaseOffered(release: AgentRelease) {
        log.info({ version: release.version }, 'the cloud offers a release of the hub agent');
        deps.releaseOffered?.(release);
      },
    }),
    ...(deps.releaseAcknowledged && { releaseAcknowledged: deps.releaseAcknowledged }),
    alertChanged(alert) {
      const changed = deps.ledger.cloudChanged(alert);
      for (const record of changed)
        log.info(
          {
            alertId: record.alertId,
            cloudAlertId: record.cloudAlertId,
            status: record.status,
            by: record.status === 'resolved' ? record.resolvedBy : record.acknowledgedBy,
          },
          record.status === 'resolved' ? 'a person resolved the alert' : 'a person acknowledged the alert',
        );
    },
    async modelAvailable(notice) {
      log.info({ version: notice.version }, 'the cloud has a new model for this senior');
      await deps.modelAvailable(notice);
    },
    rulesChanged(rules) {
      try {
        deps.applyRules(rules);
        log.info({ settings: Object.keys(rules) }, 'rule settings from the cloud applied');
      } catch (error) {
        log.warn(
          { reason: (error as Error).message },
          'rule settings from the cloud refused; the current ones stay',
        );
      }
    },
    async safetyCheckRequested(request, report) {
      log.warn({ checkId: request.id, room: request.room ?? null }, 'staff asked for a safety check');
      await deps.onSafetyCheckRequested(request, (update) => {
        const sent = report(update);
        if (!sent)
          log.warn(
            { checkId: request.id, status: update.status },
            'could not tell the cloud about the safety check',
          );
        return sent;
      });
    },
  };
}
