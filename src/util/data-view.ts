// A DataView over a byte buffer: the hot loops read and write through one, where Buffer's
// readUInt32LE and friends are calls; DataView reads and writes compile to plain loads and stores.

export const dataView = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
