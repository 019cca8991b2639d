// Wires the page together: the key, the export form, the preview and the job list.

import { KEY_PATTERN, apiFetch, errorFrom, forgetKey, getKey, paths, retryAfterSeconds, setKey } from "./api.js";
import { ExportForm } from "./form.js";
import { JobList } from "./jobs.js";
import { PreviewPanel } from "./preview.js";

const $ = (selector) => document.querySelector(selector);

async function loadOptions() {
  // Same origin and no key: the options are the API's public validation rules.
  const response = await fetch("options.json", { cache: "no-cache", credentials: "omit" });
  if (!response.ok) throw new Error(`options.json: HTTP ${response.status}`);
  return response.json();
}

/** Check the key against the API and offer the organization's products in the product field. */
async function checkKey(status) {
  status.textContent = "Checking the key…";
  try {
    const response = await apiFetch(paths.products);
    if (!response.ok) throw await errorFrom(response);
    const page = await response.json();
    const list = $("#products");
    list.replaceChildren(
      ...page.data.map((product) => {
        const option = document.createElement("option");
        option.value = product.id;
        option.label = `${product.gtin} ${product.name}`;
        return option;
      }),
    );
    const count = page.pagination.total_count;
    status.textContent = `Key accepted: ${count} product${count === 1 ? "" : "s"} in this organization.`;
    return true;
  } catch (error) {
    status.textContent = `Key not accepted: ${error.message}`;
    return false;
  }
}

async function submitExport(form, jobs, message, button) {
  const body = form.exportBody();
  form.clearErrors("submit");
  button.disabled = true;
  message.textContent = "Submitting…";
  try {
    const response = await apiFetch(paths.exports, { method: "POST", json: body });
    if (!response.ok) throw await errorFrom(response);
    const receipt = await response.json();
    jobs.add(receipt, body, retryAfterSeconds(response));
    message.textContent = `Job ${receipt.job_id} accepted.`;
  } catch (error) {
    if (error.status === 422) {
      const unplaced = form.showErrors(error.details, "submit");
      const rest = unplaced.map((d) => `${d.field}: ${d.message}`).join("; ");
      message.textContent = `Not accepted: ${rest || "see the fields marked in the form"}.`;
    } else {
      message.textContent = `Not accepted: ${error.message}`;
    }
  } finally {
    button.disabled = false;
  }
}

async function main() {
  const keyInput = $("#api-key");
  const keyStatus = $("#key-status");
  const message = $("#form-message");
  const submitButton = $("#submit-export");

  const form = new ExportForm($("#export-form"), await loadOptions());
  const jobs = new JobList({ table: $("#jobs"), empty: $("#jobs-empty"), onMessage: (text) => (message.textContent = text) });
  const preview = new PreviewPanel({
    form,
    output: $("#preview-output"),
    status: $("#preview-status"),
    button: $("#refresh-preview"),
    entityInputs: [...document.querySelectorAll("[data-preview-entity]")],
  });

  $("#key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!KEY_PATTERN.test(key)) {
      keyStatus.textContent = "That is not an API key: expected csb_, 32 letters or digits, _, 8 hex digits.";
      return;
    }
    if (key !== getKey()) jobs.reset(); // another key may be another organization
    setKey(key);
    keyInput.value = "";
    keyInput.placeholder = `${key.slice(0, 8)}… (in use)`;
    if (await checkKey(keyStatus)) preview.refresh();
  });
  $("#forget-key").addEventListener("click", () => {
    forgetKey();
    jobs.reset();
    keyInput.placeholder = "csb_…";
    keyStatus.textContent = "Key forgotten.";
  });
  $("#export-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitExport(form, jobs, message, submitButton);
  });

  if (getKey()) {
    keyInput.placeholder = `${getKey().slice(0, 8)}… (in use)`;
    jobs.restore();
    if (await checkKey(keyStatus)) preview.refresh();
  } else {
    keyStatus.textContent = "Enter an API key to start.";
  }
  document.body.dataset.ready = "true"; // for tests and scripts: the page is wired
}

main().catch((error) => {
  $("#form-message").textContent = `The page could not start: ${error.message}`;
});
