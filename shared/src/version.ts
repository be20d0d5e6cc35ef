/**
 * Version of the wire contracts in this package. The hub sends it with every upload
 * (`Hearth-Protocol` header) so the cloud can refuse a hub that speaks an incompatible
 * dialect with a clear error instead of misreading its data.
 */
export const PROTOCOL_VERSION = 1;
export const PROTOCOL_HEADER = 'hearth-protocol';
