// The senior's model on the hub: load and verify (anomaly-model), hold and swap (model-slot),
// keep on disk (model-files), keep current from the cloud (updater).
export type { LoadedModel, ModelRejection } from './anomaly-model.js';
export { loadAnomalyModel, ModelRejectedError, sha256Hex } from './anomaly-model.js';
export { ModelFiles } from './model-files.js';
export { ModelSlot } from './model-slot.js';
export type { ModelUpdaterDeps, UpdateOutcome } from './updater.js';
export { ModelUpdater } from './updater.js';
