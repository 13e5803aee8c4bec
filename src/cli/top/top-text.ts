// The free-text filter (`/`): every word must appear in the row's text (namespace, state, the two
// endpoints, process, cgroup). Read from a dump reply, the endpoints are formatted only for words
// that could be part of one (digits, hex letters, dots, colons, brackets), and then once per socket.
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import { formatEndpoint } from "../output/endpoint.js";
import { cgroupLabel, type NetnsContext } from "./top-context.js";

/** A row's text, by part; the endpoints on demand. Every part in lower case. */
export interface TextParts {
  readonly netns: string;
  readonly state: string;
  readonly process: string;
  readonly cgroup: string;
  local(): string;
  remote(): string;
}

export type TextMatch = (parts: TextParts) => boolean;

const ENDPOINT_CHARS = /^[0-9a-f.:[\]]+$/;

/** The filter for `text`, or undefined when it has no words (every row matches). */
export function compileText(text: string): TextMatch | undefined {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const plan = words.map((word) => ({ word, endpoint: ENDPOINT_CHARS.test(word) }));
  return (p) =>
    plan.every(
      ({ word, endpoint }) =>
        p.state.includes(word) ||
        p.process.includes(word) ||
        p.netns.includes(word) ||
        p.cgroup.includes(word) ||
        (endpoint && (p.local().includes(word) || p.remote().includes(word))),
    );
}

/** The text parts of the reply a view points at, reused from one socket to the next. */
export class ViewText implements TextParts {
  state = "";
  private view: DiagMessageView | undefined;
  private ctx: NetnsContext | undefined;
  private processText: string | undefined;
  private cgroupText: string | undefined;
  private localText: string | undefined;
  private remoteText: string | undefined;
  private readonly lower = new Map<string, string>();

  /** Points at the socket `view` shows now, in the namespace of `ctx`; each part is read when asked. */
  reset(view: DiagMessageView, ctx: NetnsContext): this {
    this.view = view;
    this.ctx = ctx;
    this.state = view.state;
    this.processText = undefined;
    this.cgroupText = undefined;
    this.localText = undefined;
    this.remoteText = undefined;
    return this;
  }

  get netns(): string {
    return this.lowered((this.ctx as NetnsContext).netns.name);
  }

  get process(): string {
    this.processText ??= this.lowered((this.ctx as NetnsContext).processOf(this.view as DiagMessageView));
    return this.processText;
  }

  get cgroup(): string {
    this.cgroupText ??= this.lowered(
      cgroupLabel((this.ctx as NetnsContext).cgroupOf(this.view as DiagMessageView)),
    );
    return this.cgroupText;
  }

  local(): string {
    const v = this.view as DiagMessageView;
    this.localText ??= formatEndpoint(v.localAddress, v.localPort, v.family);
    return this.localText;
  }

  remote(): string {
    const v = this.view as DiagMessageView;
    this.remoteText ??= formatEndpoint(v.remoteAddress, v.remotePort, v.family);
    return this.remoteText;
  }

  /** Names repeat (a few processes, cgroups, namespaces): each is lowered once. */
  private lowered(text: string): string {
    let low = this.lower.get(text);
    if (low === undefined) {
      low = text.toLowerCase();
      this.lower.set(text, low);
    }
    return low;
  }
}
