// The deployment files agree with each other and with the package: the DaemonSet's inline policy is
// deploy/policies/kubernetes-node.yaml, its image tag is this version, its probes ask /healthz, and
// a read-only root filesystem still leaves the executable a /tmp to unpack into.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { runCli } from "../helpers/cli.js";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

interface K8sObject {
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
  [key: string]: any;
}

const objects = parseAllDocuments(read("deploy/kubernetes/daemonset.yaml")).map((d) => d.toJS() as K8sObject);
const byKind = (kind: string) => {
  const found = objects.find((o) => o.kind === kind);
  assert.ok(found, `no ${kind} in daemonset.yaml`);
  return found;
};

test("the DaemonSet's inline policy is deploy/policies/kubernetes-node.yaml, and it is valid", async () => {
  const inline = byKind("ConfigMap").data["policy.yaml"] as string;
  assert.deepEqual(parse(inline), parse(read("deploy/policies/kubernetes-node.yaml")));
  const check = await runCli(["run", "--check", "--config", `${root}deploy/policies/kubernetes-node.yaml`]);
  assert.equal(check.code, 0, check.stderr);
});

test("the DaemonSet names this version's image, probes /healthz and gives /tmp to the executable", () => {
  const version = JSON.parse(read("package.json")).version as string;
  const pod = byKind("DaemonSet").spec.template.spec;
  const [container] = pod.containers;
  assert.equal(container.image, `ghcr.io/idlereap/idlereap:${version}`);
  assert.equal(container.readinessProbe.httpGet.path, "/healthz");
  assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/tmp");
  assert.ok(tmp, "no writable /tmp while the root filesystem is read-only");
  assert.ok(pod.volumes.find((v: { name: string }) => v.name === tmp.name)?.emptyDir);
});

test("the metrics port is open to Prometheus only, by a NetworkPolicy on the DaemonSet's pods", () => {
  const policy = byKind("NetworkPolicy");
  const labels = byKind("DaemonSet").spec.template.metadata.labels;
  assert.deepEqual(policy.spec.podSelector.matchLabels, labels);
  assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
  assert.equal(policy.spec.ingress.length, 1);
  assert.deepEqual(policy.spec.ingress[0].ports, [{ port: "metrics", protocol: "TCP" }]);
  assert.ok(
    policy.spec.ingress[0].from.every((f: object) => Object.keys(f).length > 0),
    "an empty peer admits all",
  );
});
