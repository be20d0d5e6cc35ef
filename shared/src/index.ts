export * from './alerts.js';
export * from './auth.js';
export * from './errors.js';
export * from './events.js';
export * from './version.js';
export * from './ws.js';
