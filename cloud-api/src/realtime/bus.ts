// The bus moved to src/bus/ (features ring it without importing the realtime layer). Kept so code
// written against the old path still builds; import from '../bus/bus.js' instead.
export * from '../bus/bus.js';
