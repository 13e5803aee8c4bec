// Plain-text tables: columns sized to their content, numbers right-aligned.
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: "left" | "right";
  /** Colours the padded cell (widths are measured on the plain text). */
  paint?: (row: T, text: string) => string;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => (row[i] as string).length)),
  );
  const line = (values: readonly string[], row?: T) =>
    values
      .map((v, i) => {
        const col = columns[i] as Column<T>;
        const cell = col.align === "right" ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number);
        return row !== undefined && col.paint ? col.paint(row, cell) : cell;
      })
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map((c, i) => line(c, rows[i]))].join("\n");
}
