// The dashboard in a real browser (Debian's chromium via playwright-core) against a real stack with
// two tenants: live progress, cancel, dead-letter replay, CSV upload, the loss chart, promote and
// roll back an alias, the tuning leaderboard, Recommend's table, the workers list, isolation
// and CSRF. Screenshots of each page go to test-results/ui (or RECFLOW_UI_SCREENSHOT_DIR).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { call, createTasksClient, type TasksServiceClient } from "../../src/api/client.js";
import { newToken } from "../../src/gateway/auth.js";
import type { Task__Output } from "../../src/generated/recflow/v1/Task.js";
import type { TaskSpec } from "../../src/generated/recflow/v1/TaskSpec.js";
import { Stack, collectWatch, spawnRecflow, stopProc, waitFor, type Proc } from "../helpers/stack.js";
import { FAILURE_DIR, consoleErrors, launchBrowser, logIn, screenshot, type TestBrowser } from "../helpers/browser.js";

describe("dashboard in a real browser", () => {
  let stack: Stack;
  let ui: Proc;
  let browser: TestBrowser;
  let dir: string;
  let base: string;
  const a = newToken();
  const b = newToken();
  let tasksA: TasksServiceClient;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  /** The ALS model the upload test trains on the uploaded CSV (the alias and Recommend tests use it). */
  let firstModel = "";

  const submitA = (task: TaskSpec): Promise<Task__Output> => call(tasksA.SubmitTask.bind(tasksA), { requestId: "", task }, { deadlineMs: 10_000 });
  const getA = (taskId: string): Promise<Task__Output> => call(tasksA.GetTask.bind(tasksA), { taskId }, { deadlineMs: 10_000 });
  // <progress>.value reflects its value attribute, and attributes need no DOM types here.
  const barValue = async (selector: string): Promise<number | undefined> => {
    const v = await page.getAttribute(selector, "value", { timeout: 100 }).catch(() => null);
    return v === null ? undefined : Number(v);
  };
  /** Submits as tenant acme and waits for the task's end (training and tuning take seconds). */
  const runA = async (task: TaskSpec, what: string): Promise<Task__Output> => {
    const { id } = await submitA(task);
    const done = await waitFor(async () => {
      const t = await getA(id);
      return t.status?.state === "TASK_STATE_SUCCEEDED" || t.status?.state === "TASK_STATE_FAILED" || t.status?.state === "TASK_STATE_CANCELLED" ? t : undefined;
    }, 120_000, what);
    expect(done.status?.state, JSON.stringify(done.error)).toBe("TASK_STATE_SUCCEEDED");
    return done;
  };
  /** Opens a page by its hash and waits until it is rendered (the app marks body[data-route]). */
  const show = async (hash: string): Promise<void> => {
    const url = `${base}${hash}`;
    // The same URL again is no navigation at all: reload, so the page is fresh.
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await page.waitForSelector(`body[data-route="${hash}"]`, { state: "attached" });
  };
  /** One attribute of every element the selector matches, in document order. */
  const attrs = async (selector: string, name: string): Promise<(string | null)[]> => Promise.all((await page.locator(selector).all()).map((el) => el.getAttribute(name)));
  const rowState = (id: string): Promise<string | null> => page.getAttribute(`tr[data-task-id="${id}"]`, "data-state", { timeout: 100 }).catch(() => null);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "recflow-ui-"));
    const tenantsFile = join(dir, "tenants.json");
    writeFileSync(tenantsFile, JSON.stringify({ tenants: { acme: { tokens: [a.hash] }, beta: { tokens: [b.hash] } } }));
    stack = await Stack.start({ workers: 1, env: { RECFLOW_TENANTS_FILE: tenantsFile, RECFLOW_METRICS_ADDRESS: "127.0.0.1:0" } });
    tasksA = createTasksClient(stack.address, {}, { token: a.token });
    ui = await spawnRecflow("ui", ["ui", "--address", stack.address, "--listen", "127.0.0.1:0", "--metrics-url", `http://127.0.0.1:${Number(stack.gateway.ready.metricsPort)}/metrics`], { ...stack.env, RECFLOW_TENANTS_FILE: tenantsFile });
    base = String(ui.ready.url);
    browser = await launchBrowser();
    context = await browser.browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    errors = consoleErrors(page);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.[Symbol.asyncDispose]();
    tasksA?.close();
    if (ui) await stopProc(ui);
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A failed test leaves the page as it was (screenshot) and what it said, to read in CI's artifacts.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail" || !page) return;
    await screenshot(page, `failed-${ctx.task.name.replace(/\W+/g, "-").slice(0, 60)}`, FAILURE_DIR).catch(() => undefined);
    console.log(`page at failure (${page.url()}):\n${(await page.textContent("#page").catch(() => "")) ?? ""}\nconsole errors: ${JSON.stringify(errors)}`);
  });

  it("is interactive within a second of opening, then shows the live task list after login", async () => {
    await logIn(page, base, a.token);
    await page.waitForSelector("#live-status:has-text('live')");
    // Timed by the page itself (navigation start to the first usable page), on a warm browser:
    // the first launch's own start-up is chromium's, not ours.
    await page.goto("about:blank");
    await page.goto(base);
    await page.waitForSelector("body[data-ready-ms]");
    const readyMs = Number(await page.getAttribute("body", "data-ready-ms"));
    console.log(`dashboard: first page interactive after ${readyMs} ms`);
    expect(readyMs).toBeLessThan(1000);
  });

  it("shows a submitted Probe appear and its bar move to SUCCEEDED without reload", async () => {
    await page.goto(`${base}#/tasks`);
    await page.waitForSelector("#live-status:has-text('live')");
    const task = await submitA({ probe: { workMs: 2500, progressSteps: 10 } });
    const seen = new Set<number>();
    await waitFor(async () => {
      const v = await barValue(`tr[data-task-id="${task.id}"] progress`);
      if (v !== undefined) seen.add(v);
      return (await rowState(task.id)) === "TASK_STATE_SUCCEEDED";
    }, 20_000, "the probe's row to show SUCCEEDED");
    expect([...seen].some((v) => v > 0 && v < 1)).toBe(true);
    expect(await barValue(`tr[data-task-id="${task.id}"] progress`)).toBe(1);
    await screenshot(page, "tasks");
  });

  it("cancels a running task when its Cancel button is clicked", async () => {
    await page.goto(`${base}#/tasks`);
    await page.waitForSelector("#live-status:has-text('live')");
    const task = await submitA({ probe: { workMs: 60_000, progressSteps: 60 } });
    await waitFor(async () => (await rowState(task.id)) === "TASK_STATE_RUNNING", 20_000, "the task to run");
    await page.click(`tr[data-task-id="${task.id}"] button.cancel`);
    await waitFor(async () => (await rowState(task.id)) === "TASK_STATE_CANCELLED", 20_000, "the row to show CANCELLED");
    expect((await getA(task.id)).status?.state).toBe("TASK_STATE_CANCELLED");
  });

  it("shows the attempt of a short task that wrote no Started event", async () => {
    const task = await submitA({ probe: { workMs: 0 } });
    await waitFor(async () => (await getA(task.id)).status?.state === "TASK_STATE_SUCCEEDED", 20_000, "the task to succeed");
    await page.goto(`${base}#/task/${task.id}`);
    await page.waitForSelector("#timeline li.ev-succeeded");
    expect(await page.locator("#timeline li.ev-started").count()).toBe(0);
    expect(await page.locator("#timeline li.attempt").allTextContents()).toEqual(["Attempt 1"]);
  });

  it("shows the timeline with attempts, the error and its reason on the task page", async () => {
    const task = await submitA({ probe: { workMs: 10, failAttempts: 5, permanentError: true }, maxRetries: 0 });
    await waitFor(async () => (await getA(task.id)).status?.state === "TASK_STATE_FAILED", 20_000, "the task to fail");
    await page.goto(`${base}#/task/${task.id}`);
    await page.waitForSelector("#timeline li.ev-failed");
    expect(await page.textContent("#task-error")).toMatch(/permanent/);
    expect(await page.locator("#timeline li.attempt").count()).toBe(1);
    await screenshot(page, "task");
  });

  it("replays a dead letter from the Dead letters page", async () => {
    const task = await submitA({ probe: { workMs: 10, failAttempts: 5, permanentError: true }, maxRetries: 0 });
    await page.goto(`${base}#/dead-letters`);
    await waitFor(async () => {
      await page.reload();
      return page.waitForSelector(`#dead-letters tr[data-task-id="${task.id}"]`, { timeout: 500 }).then(() => true, () => false);
    }, 20_000, "the dead letter to be listed");
    await screenshot(page, "dead-letters");
    await page.click(`#dead-letters tr[data-task-id="${task.id}"] button.replay`);
    await page.waitForSelector("#flash:has-text('replayed as')");
    const replayId = /replayed as (\S+)/.exec((await page.textContent("#flash")) ?? "")?.[1] ?? "";
    const replay = await getA(replayId);
    expect(replay.spec?.labels["replay-of"]).toBe(task.id);
    expect(await page.locator(`#dead-letters tr[data-task-id="${task.id}"]`).count()).toBe(0);
  });

  it("uploads a CSV from the browser, and draws one loss point per ALS iteration of a model trained on it", async () => {
    const rows = ["user,item,weight"];
    // Four taste groups with noise (a seeded generator): models learn something, and no metric is
    // a perfect 1 in the pictures.
    let seed = 17;
    const rand = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647; // MINSTD
    for (let u = 0; u < 60; u++) for (let i = 0; i < 40; i++) if (rand() < (u % 4 === i % 4 ? 0.45 : 0.06)) rows.push(`u${u},i${i},${1 + ((u + i) % 3)}`);
    const csv = join(dir, "ratings.csv");
    writeFileSync(csv, `${rows.join("\n")}\n`);
    await page.goto(`${base}#/datasets`);
    await page.setInputFiles("#csv-file", csv);
    await page.fill("#csv-id", "ui-ratings");
    await page.click("#upload");
    await page.waitForSelector('#datasets tr[data-dataset-id="ui-ratings"]');
    expect(await barValue("#upload-progress")).toBe(1);
    await screenshot(page, "datasets");

    const iterations = 7;
    const train = await submitA({ trainModel: { datasetId: "ui-ratings", algorithm: "ALGORITHM_ALS", als: { factors: 4, iterations }, evaluate: true } });
    const done = await waitFor(async () => {
      const t = await getA(train.id);
      return t.status?.state === "TASK_STATE_SUCCEEDED" || t.status?.state === "TASK_STATE_FAILED" ? t : undefined;
    }, 60_000, "training to end");
    expect(done.status?.state).toBe("TASK_STATE_SUCCEEDED");
    const modelId = done.result?.trainModel?.modelId ?? "";
    firstModel = modelId;
    await page.goto(`${base}#/model/${modelId}`);
    await page.waitForSelector("#loss-chart");
    expect(await page.locator("#loss-chart circle").count()).toBe(iterations);
    expect(await page.locator("#metric-bars rect.bar-base").count()).toBeGreaterThan(0);
    await screenshot(page, "model");
  });

  it("promotes a model to an alias and rolls it back by clicking; Recommend by the alias follows", async () => {
    expect(firstModel).not.toBe("");
    const second = (await runA({ trainModel: { datasetId: "ui-ratings", algorithm: "ALGORITHM_ALS", als: { factors: 3, iterations: 3 } } }, "the second model's training")).result?.trainModel?.modelId ?? "";
    const recommendedBy = async (): Promise<string> => (await runA({ recommend: { alias: "prod", userIds: ["u1"], k: 3 } }, "Recommend by alias")).result?.recommend?.modelId ?? "";
    const history = (): Promise<(string | null)[]> => attrs('#aliases tr[data-alias="prod"] li.alias-change', "data-model-id");
    const promote = async (modelId: string): Promise<void> => {
      await show(`#/model/${modelId}`);
      await page.fill("#alias-name", "prod");
      await page.click("#promote");
      await page.waitForSelector(`#flash:has-text("prod → ${modelId}")`);
      expect(await page.textContent("#model-aliases")).toBe("prod");
    };

    await promote(firstModel);
    expect(await recommendedBy()).toBe(firstModel);
    await promote(second);
    expect(await recommendedBy()).toBe(second);

    await show("#/models");
    // Newest first: the promotion of the second model, then the first.
    expect(await history()).toEqual([second, firstModel]);
    await page.click(`#aliases tr[data-alias="prod"] button.rollback:has-text("Roll back to ${firstModel}")`);
    await page.waitForSelector(`#flash:has-text("prod → ${firstModel}")`);
    expect(await page.getAttribute('#aliases tr[data-alias="prod"]', "data-model-id")).toBe(firstModel);
    expect(await history()).toEqual([firstModel, second, firstModel]);
    expect(await recommendedBy()).toBe(firstModel);
    await screenshot(page, "models");
  });

  it("shows Recommend's items per user as a table on the task page", async () => {
    const users = ["u0", "u1", "u2", "u3", "u-unknown"];
    const done = await runA({ recommend: { modelId: firstModel, userIds: users, k: 4 } }, "Recommend");
    const events = await collectWatch(tasksA, done.id, 0, 20_000);
    const expected = Object.fromEntries(events.flatMap((e) => e.partialResult?.recommendations ?? []).map((r) => [r.userId, r.items.map((i) => i.itemId).join(" ")]));
    expect(Object.keys(expected).sort()).toEqual([...users].sort());
    await show(`#/task/${done.id}`);
    const shownUsers = await attrs("#partial-results tr[data-user-id]", "data-user-id");
    const shownItems = await attrs("#partial-results tr[data-user-id]", "data-items");
    expect(Object.fromEntries(shownUsers.map((u, i) => [u, shownItems[i]]))).toEqual(expected);
    for (const items of Object.values(expected)) expect(items.split(" ")).toHaveLength(4);
    expect(await page.textContent('#partial-results tr[data-user-id="u-unknown"]')).toMatch(/cold start/);
    await screenshot(page, "task-recommend");
  });

  it("shows a TuneModel's leaderboard with one row per trial on its model's page", async () => {
    const done = await runA({ tuneModel: { datasetId: "ui-ratings", maxTrials: 5, evalK: 5, seed: 3 } }, "the tuning");
    const tune = done.result?.tuneModel;
    expect(tune?.trials).toBeGreaterThan(1);
    expect(tune?.leaderboard).toHaveLength(tune?.trials ?? -1);
    await show(`#/model/${tune?.modelId ?? ""}`);
    expect(await page.locator("#leaderboard tbody tr").count()).toBe(tune?.trials);
    // In the task's order (best validation score first).
    expect(await attrs("#leaderboard tbody tr", "data-trial")).toEqual(tune?.leaderboard.map((t) => String(t.index)));
    await screenshot(page, "leaderboard");
  });

  it("lists the workers with their slots, and drops a killed worker once its record expires", async () => {
    // w1 (1 thread, from the stack) and a second worker with 3 slots.
    const extra = await stack.addWorker({ RECFLOW_THREADS: "3" });
    const id = `w${stack.workers.length}`;
    await show("#/workers");
    // A flat line (an idle queue) has no height, so "attached", not "visible".
    await page.waitForSelector("#queue-chart polyline[data-series=pending]", { state: "attached" });
    // Task counts and seconds on the axes: whole numbers, "1" at the top of an idle queue, never "0.000".
    expect((await page.locator("#queue-chart text").allTextContents()).every((t) => /^\d+$/.test(t))).toBe(true);
    await page.waitForSelector(`#workers tr[data-worker-id="${id}"]`, { timeout: 20_000 });
    expect(await page.getAttribute('#workers tr[data-worker-id="w1"]', "data-slots-total")).toBe("1");
    expect(await page.getAttribute(`#workers tr[data-worker-id="${id}"]`, "data-slots-total")).toBe("3");
    expect(await page.locator(`#workers tr[data-worker-id="${id}"] svg.slots rect.slot`).count()).toBe(3);
    // A running task fills a slot within a heartbeat (and makes the picture show one).
    const busy = await submitA({ probe: { workMs: 60_000, progressSteps: 60 } });
    await waitFor(async () => (await attrs("#workers tr[data-worker-id]", "data-slots-busy")).includes("1"), 30_000, "a busy slot to be listed");
    expect(await page.locator("#workers rect.slot-busy").count()).toBe(1);
    await screenshot(page, "workers");
    await call(tasksA.CancelTask.bind(tasksA), { taskId: busy.id, reason: "" }, { deadlineMs: 10_000 });
    await waitFor(async () => (await getA(busy.id)).status?.state === "TASK_STATE_CANCELLED", 20_000, "the busy task to be cancelled");

    // SIGKILL: no goodbye, so the row goes only when the bucket's TTL (three 5 s heartbeats) ends.
    await stopProc(extra, "SIGKILL");
    const killedAt = Date.now();
    await waitFor(async () => (await page.locator(`#workers tr[data-worker-id="${id}"]`).count()) === 0, 40_000, "the killed worker's row to go");
    const goneAfterMs = Date.now() - killedAt;
    console.log(`dashboard: killed worker left the list after ${goneAfterMs} ms`);
    // Its last heartbeat was at most 5 s before the kill, so the record outlived the kill by 10 s or more.
    expect(goneAfterMs).toBeGreaterThan(5_000);
    expect(await page.locator('#workers tr[data-worker-id="w1"]').count()).toBe(1);
  });

  it("keeps the page the user moved to when the previous page's data arrives late", async () => {
    // The Workers page's read takes 1.5 s; the user moves on to Datasets before it answers.
    await page.route("**/api/workers", async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await r.continue();
    });
    try {
      await show("#/models");
      await page.goto(`${base}#/workers`);
      await page.goto(`${base}#/datasets`);
      await page.waitForSelector('body[data-route="#/datasets"]', { state: "attached" });
      await new Promise((resolve) => setTimeout(resolve, 4_000)); // the late answer, and a re-render's interval after it
      expect(await page.locator("#datasets").count()).toBe(1);
      expect(await page.locator("#workers, #queue-chart").count()).toBe(0);
    } finally {
      await page.unroute("**/api/workers");
    }
  });

  it("refuses a POST without the CSRF token, even with the session cookie", async () => {
    const status = await page.evaluate(async () => {
      const r = await fetch("/api/tasks/x/cancel", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      return r.status;
    });
    expect(status).toBe(403);
    const wrong = await page.evaluate(async () => (await fetch("/api/tasks/x/cancel", { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": "nope" }, body: "{}" })).status);
    expect(wrong).toBe(403);
    // The refused requests above are the only console errors the page may have logged.
    errors.splice(0, errors.length, ...errors.filter((e) => !/403/.test(e)));
  });

  it("marks the session cookie Secure only behind a TLS proxy (X-Forwarded-Proto: https)", async () => {
    const login = async (headers: Record<string, string>): Promise<string> => {
      const r = await fetch(`${base}api/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ token: a.token }) });
      expect(r.status).toBe(200);
      return r.headers.get("set-cookie") ?? "";
    };
    expect(await login({ "x-forwarded-proto": "https" })).toMatch(/; HttpOnly; SameSite=Strict; .*; Secure$/);
    expect(await login({})).not.toMatch(/Secure/);
  });

  it("logged in as tenant beta, shows none of acme's tasks", async () => {
    const mine = await submitA({ probe: { workMs: 10 } });
    const other = await browser.browser.newContext();
    try {
      const pageB = await other.newPage();
      const errorsB = consoleErrors(pageB);
      await logIn(pageB, base, b.token);
      await pageB.waitForSelector("#live-status:has-text('live')");
      expect(await pageB.locator(`tr[data-task-id="${mine.id}"]`).count()).toBe(0);
      expect(await pageB.locator("#task-rows tr[data-task-id]").count()).toBe(0);
      const direct = await pageB.evaluate(async (id) => (await fetch(`/api/tasks/${id}`)).status, mine.id);
      expect(direct).toBe(404);
      expect(errorsB.filter((e) => !/404/.test(e))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("logged no console errors on any page", () => {
    expect(errors).toEqual([]);
  });
}, 300_000);
