import assert from "node:assert/strict";
import { test } from "node:test";
import { describeCgroup, processCgroupPath } from "../../src/proc/cgroups.js";

const HEX = "3f1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";

test("a systemd service", () => {
  assert.deepEqual(describeCgroup("/system.slice/nginx.service"), {
    unit: "nginx.service",
    slice: "system.slice",
  });
});

test("a user service keeps the deepest unit", () => {
  const d = describeCgroup(
    "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope",
  );
  assert.equal(d.unit, "app-gnome-firefox-4242.scope");
  assert.equal(d.slice, "app.slice");
  assert.equal(d.container, undefined);
});

test("docker with the systemd driver", () => {
  assert.deepEqual(describeCgroup(`/system.slice/docker-${HEX}.scope`), {
    unit: `docker-${HEX}.scope`,
    slice: "system.slice",
    container: HEX,
    runtime: "docker",
  });
});

test("docker with the cgroupfs driver", () => {
  assert.deepEqual(describeCgroup(`/docker/${HEX}`), { container: HEX, runtime: "docker" });
});

test("a kubernetes pod with containerd and the systemd driver", () => {
  const path =
    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f5a3b2c_1d4e_4f6a_8b7c_9d0e1f2a3b4c.slice/" +
    `cri-containerd-${HEX}.scope`;
  assert.deepEqual(describeCgroup(path), {
    unit: `cri-containerd-${HEX}.scope`,
    slice: "kubepods-burstable-pod0f5a3b2c_1d4e_4f6a_8b7c_9d0e1f2a3b4c.slice",
    pod: "0f5a3b2c-1d4e-4f6a-8b7c-9d0e1f2a3b4c",
    container: HEX,
    runtime: "containerd",
  });
});

test("a guaranteed pod with cri-o", () => {
  const d = describeCgroup(
    `/kubepods.slice/kubepods-pod7a1b2c3d_0000_4111_8222_333344445555.slice/crio-${HEX}.scope`,
  );
  assert.equal(d.pod, "7a1b2c3d-0000-4111-8222-333344445555");
  assert.equal(d.container, HEX);
  assert.equal(d.runtime, "cri-o");
});

test("a kubernetes pod with the cgroupfs driver", () => {
  const d = describeCgroup(`/kubepods/besteffort/pod0f5a3b2c-1d4e-4f6a-8b7c-9d0e1f2a3b4c/${HEX}`);
  assert.deepEqual(d, { pod: "0f5a3b2c-1d4e-4f6a-8b7c-9d0e1f2a3b4c", container: HEX });
});

test("podman", () => {
  const d = describeCgroup(
    `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${HEX}.scope/container`,
  );
  assert.equal(d.container, HEX);
  assert.equal(d.runtime, "podman");
  assert.equal(d.unit, `libpod-${HEX}.scope`);
});

test("the root and odd paths describe nothing", () => {
  assert.deepEqual(describeCgroup("/"), {});
  assert.deepEqual(describeCgroup(""), {});
  assert.deepEqual(describeCgroup("/process_api/7df3d3008e47e6d0e1998cdd3436eed3"), {});
  assert.deepEqual(describeCgroup("/docker/notahexid"), {});
});

test("the current process's real cgroup describes without throwing", () => {
  const path = processCgroupPath("self");
  assert.equal(typeof describeCgroup(path ?? "/"), "object");
});
