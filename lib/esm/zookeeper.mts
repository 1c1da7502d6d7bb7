// The ESM face of the CommonJS build: one copy of the library whichever way it is loaded,
// so configure(), the backend registry and instanceof checks on errors are shared.
export * from '../entries/zookeeper.js';
