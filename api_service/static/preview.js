// Preview: one label drawn by the API with the form's current settings (POST .../labels/preview/).
// Shown from blob: URLs, so nothing about it is fetched twice or cached anywhere.

import { apiFetch, errorFrom, getKey, paths } from "./api.js";

const DEBOUNCE_MS = 350;
const PARTS = {
  codes_combined: [{ combined_symbol: "qr" }, { combined_symbol: "1d" }],
  thermal_labels: [{ thermal_view: "drawing" }, { thermal_view: "source" }],
};

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function filenameOf(response, fallback) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  return match ? match[1] : fallback;
}

export class PreviewPanel {
  constructor({ form, output, status, button, entityInputs }) {
    this.form = form;
    this.output = output;
    this.status = status;
    this.entityInputs = entityInputs;
    this.urls = [];
    this.sequence = 0;
    this.timer = null;
    button.addEventListener("click", () => this.refresh());
    form.onLookChange(() => this.schedule());
    for (const input of entityInputs) input.addEventListener("input", () => this.schedule());
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), DEBOUNCE_MS);
  }

  entity() {
    const entity = {};
    for (const input of this.entityInputs) {
      if (input.value.trim()) entity[input.name] = input.value.trim();
    }
    return entity;
  }

  async refresh() {
    clearTimeout(this.timer);
    if (!getKey()) {
      this.status.textContent = "Enter an API key to see a preview.";
      return;
    }
    const sequence = ++this.sequence;
    const look = this.form.look();
    const body = { ...look, ...this.entity() };
    // codes_combined puts two files per entity in the ZIP: show both. A thermal label: its drawing
    // at printer dots and the printer file's block itself.
    const parts = PARTS[look.export_type] ?? [{}];
    this.status.textContent = "Drawing…";
    this.output.setAttribute("aria-busy", "true");
    try {
      const results = await Promise.all(
        parts.map((part) => this.fetchOne({ ...body, ...part })),
      );
      if (sequence !== this.sequence) return; // a newer preview was asked for meanwhile
      this.form.clearErrors("preview");
      this.show(results, look);
      this.status.textContent = "";
    } catch (error) {
      if (sequence !== this.sequence) return;
      this.clear();
      this.form.clearErrors("preview");
      if (error.status === 422) {
        const unplaced = this.form.showErrors(error.details, "preview");
        const rest = unplaced.map((d) => `${d.field}: ${d.message}`).join("; ");
        this.status.textContent = `Cannot draw this label: ${rest || "see the fields marked in the form"}.`;
      } else {
        this.status.textContent = `Preview failed: ${error.message}`;
      }
    } finally {
      if (sequence === this.sequence) this.output.setAttribute("aria-busy", "false");
    }
  }

  async fetchOne(body) {
    const response = await apiFetch(paths.preview, { method: "POST", json: body });
    if (!response.ok) throw await errorFrom(response);
    const blob = await response.blob();
    return { blob, filename: filenameOf(response, "preview") };
  }

  clear() {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.output.replaceChildren();
  }

  show(results, look) {
    this.clear();
    for (const { blob, filename } of results) {
      const url = URL.createObjectURL(blob);
      this.urls.push(url);
      const figure = element("figure", { class: "preview-item" });
      const what = `one ${look.export_type} label as ${look.file_format}`;
      if (look.export_type === "thermal_labels" && blob.type === "image/svg+xml") {
        // One pixel a printer dot: the label as the printer will print it (docs/printing.md#preview).
        figure.append(
          element("img", { src: url, alt: `Drawing of ${what} at printer dots`, class: "preview-image preview-thermal" }),
          element("p", { class: "note" }, "Drawn at the printer's dots; the printer's own font differs slightly."),
        );
      } else if (blob.type === "image/png" || blob.type === "image/svg+xml") {
        figure.append(element("img", { src: url, alt: `Preview of ${what}`, class: "preview-image" }));
      } else if (blob.type === "application/pdf") {
        figure.append(element("iframe", { src: url, title: `Preview of ${what}`, class: "preview-pdf" }));
      } else if (blob.type === "application/vnd.zebra-zpl") {
        // The label's ZPL exactly as the export holds it (its ^FX line names the dots per module),
        // folded away under the drawing.
        const source = element("pre", { class: "preview-zpl", "aria-label": `ZPL of ${what}` });
        blob.text().then((text) => { source.textContent = text; });
        const details = element("details", { class: "preview-source" });
        details.append(element("summary", {}, "ZPL as the printer receives it"), source);
        figure.append(details);
      } else {
        figure.append(element("p", { class: "note" }, "Browsers cannot show EPS; download the file to view it."));
      }
      const caption = element("figcaption");
      const link = element("a", { href: url, download: filename }, filename);
      caption.append(link, ` — ${blob.type}, ${blob.size.toLocaleString()} bytes`);
      figure.append(caption);
      this.output.append(figure);
    }
  }
}
