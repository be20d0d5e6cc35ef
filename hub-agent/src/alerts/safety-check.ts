import { NO_ROBOT_PAIRED, type SafetyCheckReport, type SafetyCheckRequest } from '@hearth/shared';

/**
 * What the hub does when staff ask for a safety check. The robot link implements it: it sends
 * `accepted`, `running`, then `done` with the outcome (or `failed` with the reason) through `report`,
 * and stops early once a human has the alert. `report` returns false when the cloud cannot be told
 * right now. Must not throw; an error is logged and the check counts as unanswered.
 */
export type OnSafetyCheckRequested = (
  request: SafetyCheckRequest,
  report: (update: SafetyCheckReport) => boolean,
) => void | Promise<void>;

/** Detail staff see when the home has no robot. */
export const NO_ROBOT_DETAIL = NO_ROBOT_PAIRED;

/** A home without a robot answers at once that it cannot check, so staff send a person instead. */
export const answerNoRobot: OnSafetyCheckRequested = (request, report) => {
  report({ id: request.id, status: 'failed', detail: NO_ROBOT_DETAIL });
};
