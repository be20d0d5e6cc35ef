export * from './cobs.js';
export * from './crc16.js';
export * from './errors.js';
export * from './frame.js';
export * from './messages.js';
export * from './parser.js';
export * from './protocol.js';
