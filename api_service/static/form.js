// The export form: built from /labels/options.json (the API's own rules), read into a submit body,
// and annotated with the API's 422 `details` next to the fields they name.

const CUSTOM_TEMPLATE_FIELDS = [
  // [key, required, integer]
  ["page_width_mm", true, false],
  ["page_height_mm", true, false],
  ["columns", true, true],
  ["rows", true, true],
  ["label_width_mm", true, false],
  ["label_height_mm", true, false],
  ["pitch_x_mm", false, false],
  ["pitch_y_mm", false, false],
  ["offset_x_mm", false, false],
  ["offset_y_mm", false, false],
];
const CUSTOM = "custom";
// The symbol families whose defaults (docs/contract.md#rendering-options) apply to each export type (for placeholders).
const FAMILIES = {
  datamatrix: ["datamatrix"],
  qr_codes: ["qr"],
  barcodes_1d: ["linear"],
  codes_combined: ["qr", "linear"],
};
const FAMILY_NAMES = { datamatrix: "DataMatrix", qr: "QR", linear: "1D" };
const LABELS = {
  sheet_pdf: "Sheet PDF",
  qr_codes: "QR codes",
  datamatrix: "GS1 DataMatrix",
  barcodes_1d: "1D barcodes",
  codes_combined: "QR + 1D combined",
  thermal_labels: "Thermal printer labels",
};
const SYMBOL_FAMILIES = { datamatrix: "datamatrix", qr: "qr", gs1_128: "linear" };
const CUSTOM_SIZE = "custom";

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function fillSelect(select, choices) {
  select.replaceChildren(...choices.map(([value, label]) => element("option", { value }, label)));
}

function splitList(text, separators) {
  return text.split(separators).map((part) => part.trim()).filter(Boolean);
}

export class ExportForm {
  constructor(form, options) {
    this.form = form;
    this.options = options;
    this.lookListeners = [];
    this.build();
    this.update();
    form.addEventListener("input", (event) => this.changed(event));
    form.addEventListener("change", (event) => this.changed(event));
  }

  control(name) {
    return this.form.elements.namedItem(name);
  }

  build() {
    const o = this.options;
    fillSelect(this.control("scope"), o.scopes.map((s) => [s, s]));
    this.control("scope").value = o.scopes.includes("serials") ? "serials" : o.scopes[0];
    fillSelect(this.control("export_type"), o.export_types.map((t) => [t, LABELS[t] ?? t]));
    this.control("export_type").value = o.export_types.includes("datamatrix") ? "datamatrix" : o.export_types[0];
    const templates = o.sheet_templates.map((t) => [
      t.name,
      `${t.name} — ${t.columns}×${t.rows}, ${t.label_width_mm} × ${t.label_height_mm} mm`,
    ]);
    fillSelect(this.control("asset_config.sheet_template"), [
      ["", `default (${o.default_sheet_template})`],
      ...templates,
      [CUSTOM, "custom…"],
    ]);
    const thermal = o.thermal;
    fillSelect(this.control("asset_config.printer_dpi"), [
      ["", `default (${thermal.default_printer_dpi} dpi)`],
      ...thermal.printer_dpi.map((d) => [String(d), `${d} dpi`]),
    ]);
    const presets = thermal.label_presets.map((p) => [`${p.width}x${p.height}`, `${p.name} — ${p.width} × ${p.height} mm`]);
    const fallback = thermal.default_label_mm;
    fillSelect(this.control("thermal.label_preset"), [
      ["", `default (${fallback.width} × ${fallback.height} mm)`],
      ...presets,
      [CUSTOM_SIZE, "custom…"],
    ]);
    for (const side of ["width", "height"]) {
      const input = this.control(`asset_config.label_size_mm.${side}`);
      const range = thermal.label_size_mm[side];
      input.min = String(range.min);
      input.max = String(range.max);
      input.placeholder = String(fallback[side]);
    }
    fillSelect(this.control("asset_config.zpl_symbols"), [
      ["", `default (${thermal.zpl_symbols[0]})`],
      ...thermal.zpl_symbols.map((c) => [c, c]),
    ]);
    for (const name of ["barcode_type", "datamatrix_content"]) {
      const choices = o.choices[name];
      fillSelect(this.control(`asset_config.${name}`), [["", `default (${choices[0]})`], ...choices.map((c) => [c, c])]);
    }
    for (const [name, range] of Object.entries(o.ranges)) {
      const input = this.control(`asset_config.${name}`);
      if (range.min !== undefined) input.min = String(range.min);
      if (range.max !== undefined) input.max = String(range.max);
    }
    this.control("asset_config.dpi").placeholder = String(o.defaults.dpi);
    this.control("asset_config.digital_link_base").placeholder = o.defaults.digital_link_base;

    const grid = this.form.querySelector("#custom-template-fields");
    for (const [key, required, integer] of CUSTOM_TEMPLATE_FIELDS) {
      const id = `t-${key}`;
      const field = element("div", { class: "field", "data-field": `asset_config.sheet_template.${key}` });
      field.append(
        element("label", { for: id }, key.replaceAll("_", " ") + (required ? "" : " (optional)")),
        element("input", {
          id,
          name: `asset_config.sheet_template.${key}`,
          type: "number",
          step: integer ? "1" : "any",
          min: integer ? "1" : "0",
        }),
      );
      grid.append(field);
    }
    const nameField = element("div", { class: "field", "data-field": "asset_config.sheet_template.name" });
    nameField.append(
      element("label", { for: "t-name" }, "name (optional)"),
      element("input", { id: "t-name", name: "asset_config.sheet_template.name", maxlength: "64" }),
    );
    grid.append(nameField);
  }

  /** Offer only the formats the chosen type allows (docs/contract.md#export-types-and-formats); show only the fields that apply. */
  update() {
    const type = this.control("export_type").value;
    const format = this.control("file_format");
    const allowed = this.options.allowed_formats[type] ?? [];
    const previous = format.value;
    fillSelect(format, allowed.map((f) => [f, f]));
    format.value = allowed.includes(previous) ? previous : allowed[0];

    const context = { type, format: format.value, scope: this.control("scope").value };
    for (const field of this.form.querySelectorAll(".field[data-when]")) {
      const [key, values] = field.dataset.when.split(":");
      this.setApplies(field, values.split(",").includes(context[key]));
    }
    this.updateThermal(type);
    const custom = this.form.querySelector("#custom-template");
    const customApplies = type === "sheet_pdf" && this.control("asset_config.sheet_template").value === CUSTOM;
    custom.hidden = !customApplies;
    for (const input of custom.querySelectorAll("input")) input.disabled = !customApplies;

    if (type === "thermal_labels") {
      // The thermal defaults are per symbol (labelkit.thermal_spec), not per family.
      const symbol = this.control("asset_config.symbol").value || "datamatrix";
      this.control("asset_config.module_mm").placeholder = String(this.options.thermal.module_mm[symbol]);
      this.control("asset_config.quiet_zone_modules").placeholder = String(this.options.thermal.quiet_zone_modules[symbol]);
      return;
    }
    const families = type === "sheet_pdf" ? [SYMBOL_FAMILIES[this.control("asset_config.symbol").value || "datamatrix"]] : FAMILIES[type];
    const describe = (defaults) =>
      families.map((f) => (families.length > 1 ? `${FAMILY_NAMES[f]} ${defaults[f]}` : String(defaults[f]))).join(" / ");
    this.control("asset_config.module_mm").placeholder = describe(this.options.defaults.module_mm);
    this.control("asset_config.quiet_zone_modules").placeholder = describe(this.options.defaults.quiet_zone_modules);
  }

  /** The symbols the type takes (GS1-128 only on thermal labels); custom label size fields only for "custom…". */
  updateThermal(type) {
    const symbol = this.control("asset_config.symbol");
    const symbols = this.options.thermal.symbols[type];
    if (symbols && symbol.dataset.type !== type) {
      const previous = symbol.value;
      fillSelect(symbol, [["", `default (${symbols[0]})`], ...symbols.map((c) => [c, c])]);
      symbol.value = symbols.includes(previous) ? previous : "";
      symbol.dataset.type = type;
    }
    const preset = this.control("thermal.label_preset").value;
    for (const side of ["width", "height"]) {
      const field = this.form.querySelector(`.field[data-field="asset_config.label_size_mm.${side}"]`);
      this.setApplies(field, type === "thermal_labels" && preset === CUSTOM_SIZE);
    }
  }

  setApplies(field, applies) {
    field.hidden = !applies;
    for (const control of field.querySelectorAll("input, select, textarea")) control.disabled = !applies;
  }

  changed(event) {
    const name = event.target.name ?? "";
    if (event.type === "input" && name) this.clearFieldError(event.target);
    const layout = ["export_type", "file_format", "scope", "asset_config.sheet_template", "asset_config.symbol", "thermal.label_preset"];
    if (layout.includes(name)) {
      this.update();
    }
    if (name === "export_type" || name === "file_format" || name.startsWith("asset_config.") || name.startsWith("thermal.")) {
      for (const listener of this.lookListeners) listener();
    }
  }

  onLookChange(listener) {
    this.lookListeners.push(listener);
  }

  // Reading -------------------------------------------------------------------------------------

  text(name) {
    const control = this.control(name);
    return control && !control.disabled ? control.value.trim() : "";
  }

  number(name) {
    const control = this.control(name);
    if (!control || control.disabled || control.value.trim() === "") return undefined;
    // An unparsable entry goes as typed: the API's 422 then says what is wrong with it.
    return Number.isNaN(control.valueAsNumber) ? control.value : control.valueAsNumber;
  }

  /** The asset_config object, with only the keys the user set (others take the API's defaults). */
  assetConfig() {
    const config = {};
    const template = this.text("asset_config.sheet_template");
    if (template === CUSTOM) {
      const custom = {};
      for (const [key] of CUSTOM_TEMPLATE_FIELDS) {
        const value = this.number(`asset_config.sheet_template.${key}`);
        if (value !== undefined) custom[key] = value;
      }
      const name = this.text("asset_config.sheet_template.name");
      if (name) custom.name = name;
      config.sheet_template = custom;
    } else if (template) {
      config.sheet_template = template;
    }
    for (const key of ["dpi", "module_mm", "quiet_zone_modules"]) {
      const value = this.number(`asset_config.${key}`);
      if (value !== undefined) config[key] = value;
    }
    const human = this.text("asset_config.human_readable");
    if (human) config.human_readable = human === "true";
    for (const key of ["barcode_type", "datamatrix_content", "symbol", "digital_link_base", "zpl_symbols"]) {
      const value = this.text(`asset_config.${key}`);
      if (value) config[key] = value;
    }
    const printerDpi = this.text("asset_config.printer_dpi");
    if (printerDpi) config.printer_dpi = Number(printerDpi);
    const size = this.labelSize();
    if (size) config.label_size_mm = size;
    return config;
  }

  /** label_size_mm from the preset (its value is "WxH") or the custom fields; none for the default. */
  labelSize() {
    const preset = this.text("thermal.label_preset");
    if (!preset) return undefined;
    if (preset !== CUSTOM_SIZE) {
      const [width, height] = preset.split("x").map(Number);
      return { width, height };
    }
    const size = {};
    for (const side of ["width", "height"]) {
      const value = this.number(`asset_config.label_size_mm.${side}`);
      if (value !== undefined) size[side] = value;
    }
    return size;
  }

  filters() {
    const filters = {};
    const gtins = splitList(this.text("filters.gtins"), /[\n,;]+/); // GTINs may contain spaces
    if (gtins.length) filters.gtins = gtins;
    for (const key of ["lot_ids", "serial_ids"]) {
      const ids = splitList(this.text(`filters.${key}`), /[\s,;]+/);
      if (ids.length) filters[key] = ids;
    }
    for (const key of ["product_id", "lot_run_id", "expiry_from", "expiry_to"]) {
      const value = this.text(`filters.${key}`);
      if (value) filters[key] = value;
    }
    if (this.control("filters.never_printed").checked) filters.never_printed = true;
    return filters;
  }

  /** The submit body (docs/contract.md#export-request). */
  exportBody() {
    const body = { scope: this.text("scope"), ...this.look() };
    const filters = this.filters();
    if (Object.keys(filters).length) body.filters = filters;
    return body;
  }

  /** What decides how a label looks: the part of the body a preview needs. */
  look() {
    const body = { export_type: this.text("export_type"), file_format: this.text("file_format") };
    const config = this.assetConfig();
    if (Object.keys(config).length) body.asset_config = config;
    return body;
  }

  // Errors --------------------------------------------------------------------------------------

  /** Put each 422 detail next to the field it names (the closest enclosing path that is shown);
   *  returns those that name no visible field. */
  showErrors(details, source) {
    this.clearErrors(source);
    const unplaced = [];
    for (const detail of details) {
      const field = this.fieldFor(String(detail.field ?? ""));
      if (!field) {
        unplaced.push(detail);
        continue;
      }
      const shown = [...field.querySelectorAll(":scope > .field-error")].some((n) => n.textContent === detail.message);
      if (shown) continue; // the preview and the submit often report the same problem
      const note = element("p", { class: "field-error", "data-source": source }, detail.message);
      note.id = `${field.dataset.field.replaceAll(".", "-")}-error-${source}`;
      field.append(note);
      const control = field.querySelector("input, select, textarea");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-describedby", note.id);
      }
    }
    return unplaced;
  }

  fieldFor(path) {
    const parts = path.split(".");
    while (parts.length) {
      // The whole page: the preview's entity fields live outside the export form.
      const field = document.querySelector(`.field[data-field="${CSS.escape(parts.join("."))}"]`);
      if (field && !field.hidden && !field.closest("[hidden]")) return field;
      parts.pop();
    }
    return null;
  }

  clearErrors(source) {
    for (const note of document.querySelectorAll(`.field-error[data-source="${source}"]`)) {
      this.detach(note);
    }
  }

  clearFieldError(control) {
    const field = control.closest(".field");
    if (!field) return;
    for (const note of field.querySelectorAll(".field-error")) this.detach(note);
  }

  detach(note) {
    const control = note.parentElement?.querySelector("[aria-invalid]");
    if (control) {
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
    }
    note.remove();
  }
}
