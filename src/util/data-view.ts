// A DataView over a byte buffer, kept for the last buffer asked about: the hot loops read one
// receive buffer (or write one output buffer) many times in a row, and DataView reads and writes
// compile to plain loads and stores where Buffer's readUInt32LE and copy() are calls.

export const dataView = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Caches the DataView of the last buffer it was given. */
export function lastDataView(): (b: Uint8Array) => DataView {
  let last: Uint8Array | undefined;
  let view = dataView(new Uint8Array(0));
  return (b) => {
    if (b !== last) {
      last = b;
      view = dataView(b);
    }
    return view;
  };
}
