// The jobs of this tab: submitted here, remembered in sessionStorage (ids only, never the key),
// polled like a good client — Retry-After decides when, If-None-Match makes an unchanged status
// a bodiless 304 — until they end; then a download link (the signed URL) or the error.

import { apiFetch, errorFrom, paths, retryAfterSeconds } from "./api.js";

const STORAGE = "labels-dashboard.jobs";
const MAX_JOBS = 25;
const TERMINAL = new Set(["completed", "failed"]);
const DEFAULT_POLL_SECONDS = 1;
const MAX_BACKOFF_SECONDS = 30;
// A completed job's URL is minted per poll and expires: fetch a fresh one this long before then.
const URL_REFRESH_MARGIN_SECONDS = 60;

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function loadMeta() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE) ?? "[]");
    return Array.isArray(stored) ? stored.filter((m) => typeof m?.job_id === "string") : [];
  } catch {
    return [];
  }
}

function formatBytes(count) {
  const units = ["B", "KB", "MB", "GB"];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export class JobList {
  constructor({ table, empty, onMessage }) {
    this.tbody = table.tBodies[0];
    this.empty = empty;
    this.onMessage = onMessage;
    this.jobs = new Map();
  }

  /** Pick up this tab's earlier jobs (after a reload) and bring them up to date. */
  restore() {
    for (const meta of loadMeta().reverse()) this.track(meta, 0);
  }

  /** Forget every job (another key is another organization: its jobs are not ours). */
  reset() {
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    this.jobs.clear();
    this.tbody.replaceChildren();
    sessionStorage.removeItem(STORAGE);
    this.updateEmpty();
  }

  add(receipt, body, retryAfter) {
    const meta = {
      job_id: receipt.job_id,
      scope: body.scope,
      export_type: body.export_type,
      file_format: body.file_format,
      submitted_at: new Date().toISOString(),
    };
    this.track(meta, retryAfter ?? DEFAULT_POLL_SECONDS, { status: receipt.status });
    this.save();
  }

  save() {
    const metas = [...this.jobs.values()].map((job) => job.meta).reverse().slice(0, MAX_JOBS);
    sessionStorage.setItem(STORAGE, JSON.stringify(metas.reverse()));
  }

  track(meta, delaySeconds, initial = {}) {
    if (this.jobs.has(meta.job_id)) return;
    const job = { meta, state: { status: "pending", progress_percent: 0, ...initial }, etag: null, timer: null, failures: 0 };
    job.row = this.buildRow(job);
    this.jobs.set(meta.job_id, job);
    this.tbody.prepend(job.row);
    this.render(job);
    this.updateEmpty();
    this.schedule(job, delaySeconds);
  }

  schedule(job, seconds) {
    clearTimeout(job.timer);
    job.timer = setTimeout(() => this.poll(job), Math.max(0, seconds) * 1000);
  }

  backoff(job) {
    job.failures += 1;
    return Math.min(MAX_BACKOFF_SECONDS, 2 ** job.failures);
  }

  async poll(job, { fresh = false } = {}) {
    const headers = job.etag && !fresh ? { "If-None-Match": job.etag } : {};
    let response;
    try {
      response = await apiFetch(paths.job(job.meta.job_id), { headers });
    } catch (error) {
      job.note = `Cannot reach the API (${error.message}); retrying.`;
      this.render(job);
      this.schedule(job, this.backoff(job));
      return;
    }
    if (!this.jobs.has(job.meta.job_id)) return; // removed while the request was out
    const retryAfter = retryAfterSeconds(response);
    if (response.status === 304) {
      job.failures = 0;
      this.schedule(job, retryAfter ?? DEFAULT_POLL_SECONDS);
      return;
    }
    if (response.ok) {
      job.failures = 0;
      job.note = "";
      job.etag = response.headers.get("ETag");
      job.state = await response.json();
      this.render(job);
      this.afterUpdate(job, retryAfter);
      return;
    }
    const error = await errorFrom(response);
    if (error.status === 429 || error.status >= 500) {
      job.note = `${error.message}; retrying.`;
      this.render(job);
      this.schedule(job, error.retryAfter ?? this.backoff(job));
      return;
    }
    // 401, 404 (another organization's job, or gone), 422: polling again will not help.
    job.note = error.status === 404 ? "Not found with this key." : error.message;
    this.render(job);
  }

  afterUpdate(job, retryAfter) {
    const { status, expires_at: expiresAt } = job.state;
    clearTimeout(job.timer);
    if (!TERMINAL.has(status)) {
      this.schedule(job, retryAfter ?? DEFAULT_POLL_SECONDS);
    } else if (status === "completed" && expiresAt) {
      const seconds = (Date.parse(expiresAt) - Date.now()) / 1000 - URL_REFRESH_MARGIN_SECONDS;
      job.timer = setTimeout(() => this.poll(job, { fresh: true }), Math.max(5, seconds) * 1000);
    }
  }

  async cancel(job) {
    job.row.querySelector("button.cancel").disabled = true;
    try {
      const response = await apiFetch(paths.cancel(job.meta.job_id), { method: "POST" });
      if (response.ok) {
        job.state = await response.json();
        job.etag = null;
        this.render(job);
        this.afterUpdate(job, null);
        return;
      }
      const error = await errorFrom(response);
      this.onMessage(`Cancel refused: ${error.message}`);
    } catch (error) {
      this.onMessage(`Cancel failed: ${error.message}`);
    }
    this.poll(job, { fresh: true });
  }

  remove(job) {
    clearTimeout(job.timer);
    this.jobs.delete(job.meta.job_id);
    job.row.remove();
    this.save();
    this.updateEmpty();
  }

  updateEmpty() {
    this.empty.hidden = this.jobs.size > 0;
  }

  // Rendering -----------------------------------------------------------------------------------

  buildRow(job) {
    const { job_id: jobId, export_type: type, file_format: format, scope } = job.meta;
    const row = element("tr", { "data-job-id": jobId });
    const idCell = element("td");
    idCell.append(element("code", { title: jobId }, jobId));
    const whatCell = element("td", {}, `${type} · ${format} · ${scope}`);
    const statusCell = element("td", { class: "job-status" });
    const progressCell = element("td", { class: "job-progress" });
    progressCell.append(
      element("progress", { max: "100", value: "0", "aria-label": `Progress of job ${jobId}` }),
      element("span", { class: "progress-text" }),
    );
    const actions = element("td", { class: "job-actions" });
    const download = element("a", { class: "button download", rel: "noopener noreferrer", hidden: "" }, "Download");
    const cancel = element("button", { type: "button", class: "cancel danger", hidden: "" }, "Cancel");
    const remove = element("button", { type: "button", class: "remove secondary" }, "Remove");
    cancel.addEventListener("click", () => this.cancel(job));
    remove.addEventListener("click", () => this.remove(job));
    actions.append(download, cancel, remove);
    row.append(idCell, whatCell, statusCell, progressCell, actions);
    return row;
  }

  render(job) {
    const s = job.state;
    const row = job.row;
    const statusCell = row.querySelector(".job-status");
    const badge = element("span", { class: `badge status-${s.status}` }, s.status);
    const lines = [badge];
    if (s.error) lines.push(element("p", { class: "job-error" }, s.error));
    if (job.note) lines.push(element("p", { class: "note" }, job.note));
    statusCell.replaceChildren(...lines);

    const percent = s.progress_percent ?? 0;
    row.querySelector("progress").value = percent;
    const counts = s.total_items ? ` · ${s.processed_items} / ${s.total_items}` : "";
    row.querySelector(".progress-text").textContent = `${percent}%${counts}`;

    const download = row.querySelector("a.download");
    if (s.status === "completed" && s.download_url) {
      download.href = s.download_url;
      download.title = `${s.output_filename} (${formatBytes(s.file_size_bytes)})`;
      download.textContent = `Download ${formatBytes(s.file_size_bytes)}`;
      download.hidden = false;
    } else {
      download.removeAttribute("href");
      download.hidden = true;
    }
    const cancel = row.querySelector("button.cancel");
    cancel.hidden = TERMINAL.has(s.status);
    cancel.disabled = false;
  }
}
