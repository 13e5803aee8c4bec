// Colours for the text reports (status, ls, top's header): on when stdout is a terminal, off with
// NO_COLOR (https://no-color.org) or `--color never`, forced with `--color always`. JSON never has any.
import { UsageError } from "../../errors.js";

export type ColorMode = "auto" | "always" | "never";
export const COLOR_MODES: readonly ColorMode[] = ["auto", "always", "never"];

const SGR = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 };
export type ColorName = keyof typeof SGR;

/** Paints text, or leaves it as it is when colours are off. */
export type Paint = (color: ColorName | undefined, text: string) => string;

const plain: Paint = (_color, text) => text;
const ansi: Paint = (color, text) => (color === undefined ? text : `\x1b[${SGR[color]}m${text}\x1b[0m`);

/** Parses `--color`; undefined means auto. */
export function parseColorMode(text: string | undefined): ColorMode {
  if (text === undefined) return "auto";
  if ((COLOR_MODES as readonly string[]).includes(text)) return text as ColorMode;
  throw new UsageError(`--color: "${text}" must be auto, always or never`, "--color");
}

/** Whether to colour output written to `stream` (NO_COLOR set to anything non-empty wins over auto). */
export function colorEnabled(mode: ColorMode, stream: NodeJS.WritableStream, env = process.env): boolean {
  if (mode !== "auto") return mode === "always";
  if (env.NO_COLOR) return false;
  return (stream as { isTTY?: boolean }).isTTY === true && env.TERM !== "dumb";
}

export function painter(enabled: boolean): Paint {
  return enabled ? ansi : plain;
}

/** Finding severities: critical red, warning yellow, info cyan. */
export function severityColor(severity: string): ColorName | undefined {
  return ({ critical: "red", warning: "yellow", info: "cyan" } as Record<string, ColorName>)[severity];
}

/** States that usually mean trouble stand out; healthy ones stay plain. */
export function stateColor(state: string): ColorName | undefined {
  if (state === "close-wait" || state === "fin-wait-2" || state === "last-ack") return "yellow";
  if (state === "syn-sent" || state === "syn-recv") return "magenta";
  if (state === "time-wait" || state === "close") return "gray";
  if (state === "established") return "green";
  return undefined;
}
