// The Grafana dashboard's queries, with template variables replaced as Grafana would for one value.
import { readFileSync } from "node:fs";

export const DASHBOARD = new URL("../../deploy/grafana/idlereap.json", import.meta.url).pathname;

export interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  templating: {
    list: { name: string; type: string; query: unknown; multi?: boolean; includeAll?: boolean }[];
  };
  panels: Panel[];
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;
}

/** Every panel query with `$name` and `${name}` replaced from `vars`. */
export function dashboardQueries(vars: Record<string, string>): { panel: string; expr: string }[] {
  return loadDashboard().panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      panel: p.title,
      expr: t.expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => {
        const v = vars[(a ?? b) as string];
        if (v === undefined) throw new Error(`${p.title}: no value for ${m}`);
        return v;
      }),
    })),
  );
}
