// The timer wheel never fires early, fires within a tick or two, and cancels and reschedules.
import assert from "node:assert/strict";
import { test } from "node:test";
import { nowMs, TimerWheel, type WheelEntry } from "../../src/guard/timer-wheel.js";

interface Entry extends WheelEntry {
  id: number;
  firedAt: number;
}

function entry(id: number): Entry {
  return { wheelNext: null, wheelPrev: null, due: 0, id, firedAt: -1 };
}

test("entries fire at or after their deadline, never early", async () => {
  const fired: Entry[] = [];
  const wheel = new TimerWheel<Entry>(10, (e, now) => {
    e.firedAt = now;
    fired.push(e);
  });
  const start = nowMs();
  const entries = Array.from({ length: 50 }, (_, i) => entry(i));
  for (const e of entries) wheel.schedule(e, start + 5 + e.id * 3);
  assert.equal(wheel.size, 50);
  await new Promise((r) => setTimeout(r, 260));
  assert.equal(fired.length, 50);
  for (const e of entries) {
    assert.ok(e.firedAt >= e.due, `entry ${e.id} fired early`);
    assert.ok(e.firedAt - e.due <= 100, `entry ${e.id} fired ${e.firedAt - e.due}ms late`);
  }
  assert.equal(wheel.size, 0);
});

test("deadlines beyond one turn of the wheel wait for their turn", async () => {
  let firedAt = -1;
  const wheel = new TimerWheel<Entry>(1, (_e, now) => {
    firedAt = now;
  });
  const e = entry(1);
  wheel.schedule(e, nowMs() + 700);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(firedAt, -1);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(firedAt >= e.due);
});

test("cancel and reschedule, also from inside a callback", async () => {
  const fired: number[] = [];
  const a = entry(1);
  const b = entry(2);
  const c = entry(3);
  let rescheduled = false;
  const wheel: TimerWheel<Entry> = new TimerWheel<Entry>(5, (e, now) => {
    fired.push(e.id);
    if (e.id === 1) {
      wheel.cancel(b);
      wheel.schedule(c, now + 20);
      rescheduled = c.due === now + 20;
    }
  });
  const t = nowMs();
  wheel.schedule(a, t + 10);
  wheel.schedule(b, t + 10);
  wheel.schedule(c, t + 10);
  wheel.schedule(c, t + 200);
  // Waits for the two expected firings rather than a fixed time: a loaded machine delays ticks.
  const end = performance.now() + 3000;
  while (fired.length < 2 && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(fired, [1, 3]);
  assert.ok(rescheduled, "c's later schedule (t + 200) was replaced from inside the callback");
  assert.equal(wheel.size, 0);
});
