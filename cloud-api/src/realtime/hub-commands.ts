// Hub commands moved to src/hubs/hub-commands.ts (features send them without importing the realtime
// layer). Kept so code written against the old path still builds; import from '../hubs/hub-commands.js'.
export * from '../hubs/hub-commands.js';
