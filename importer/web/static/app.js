// The page of `wawp-import serve`: plain DOM, no framework, nothing loaded from elsewhere.
// The server does the work (jobs.py); this script uploads, sends settings, and polls the job.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const POLL_MS = 500;
const BUSY = new Set(["checking", "waiting", "importing"]);
const PHASES = {
  checking: "Checking the file…",
  checked: "Checked: ready to import",
  invalid: "This file cannot be imported as it is",
  waiting: "Waiting for another import to this instance to finish",
  importing: "Importing…",
  done: "Import finished",
  failed: "The import could not run",
  interrupted: "Interrupted: the server stopped during the import",
};
const READING = ["sheet", "header_row", "encoding", "delimiter"];
const NAME_FIELDS = ["name_column", "first_name_column", "last_name_column"];

let info = null;
let job = null;
let formKey = "";
let pollTimer = null;
let shownPhase = "";

const $ = (id) => document.getElementById(id);
const fmt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

async function api(method, path, body, headers) {
  const init = { method, headers: { ...(headers || {}) }, credentials: "same-origin" };
  if (method !== "GET") init.headers["X-CSRF-Token"] = CSRF;
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || `the server answered ${response.status}`);
  }
  return data;
}

function showMessage(text, kind) {
  const el = $("message");
  el.hidden = !text;
  el.textContent = text || "";
  el.className = `message ${kind || "error"}`;
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// -- start ------------------------------------------------------------------------------------

async function start() {
  info = await api("GET", "/api/info");
  const target = info.instance_id
    ? `Imports go to instance ${info.instance_id} at ${info.base_url}`
    : "No WAWP instance configured: files can be checked, not imported";
  $("instance").textContent = target;
  $("instance").classList.toggle("warn", !info.can_import);
  const match = location.pathname.match(/^\/jobs\/([^/]+)$/);
  if (match) {
    $("job").hidden = false;
    setUpJobPage();
    await loadJob(decodeURIComponent(match[1]));
  } else {
    $("home").hidden = false;
    setUpHome();
    await loadJobs();
  }
}

// -- home: upload and the list of jobs --------------------------------------------------------

function setUpHome() {
  $("formats").textContent = "CSV, TSV or text files, Excel workbooks (.xlsx, .xls, .xlsm, "
    + `.xlsb) and OpenDocument spreadsheets (.ods), up to ${sizeText(info.max_upload_bytes)}.`;
  const drop = $("drop");
  $("file").addEventListener("change", () => {
    if ($("file").files.length) upload($("file").files[0]);
  });
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    const files = event.dataTransfer.files;
    if (files.length) upload(files[0]);
  });
}

function uploadStatus(text, kind) {
  const el = $("upload-status");
  el.textContent = text;
  el.className = kind || "";
}

function upload(file) {
  if (file.size > info.max_upload_bytes) {
    uploadStatus(`${file.name} is ${sizeText(file.size)}; this server takes files up to `
      + `${sizeText(info.max_upload_bytes)}. Split the file, or start the server with a larger `
      + "--max-upload-mb.", "error");
    return;
  }
  const request = new XMLHttpRequest();
  request.open("POST", `/api/jobs?name=${encodeURIComponent(file.name)}`);
  request.setRequestHeader("X-CSRF-Token", CSRF);
  request.setRequestHeader("Content-Type", "application/octet-stream");
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) {
      uploadStatus(`Uploading ${file.name}: ${Math.round((100 * event.loaded) / event.total)} %`);
    }
  });
  request.addEventListener("load", () => {
    let data = {};
    try { data = JSON.parse(request.responseText); } catch (e) { /* not JSON */ }
    if (request.status === 201) {
      location.assign(`/jobs/${encodeURIComponent(data.id)}`);
    } else {
      uploadStatus(data.error || `The upload failed (${request.status}).`, "error");
    }
  });
  request.addEventListener("error", () => uploadStatus("The upload failed: the server did not "
    + "answer (is the file larger than it takes?)", "error"));
  uploadStatus(`Uploading ${file.name}…`);
  request.send(file);
}

async function loadJobs() {
  const { jobs } = await api("GET", "/api/jobs");
  const body = $("jobs").querySelector("tbody");
  body.replaceChildren();
  $("no-jobs").hidden = jobs.length > 0;
  $("jobs").hidden = jobs.length === 0;
  for (const item of jobs) {
    const counts = Object.entries(item.counts || {}).map(([s, n]) => `${s} ${fmt(n)}`).join(", ");
    let status = PHASES[item.phase] || item.phase;
    if (item.phase === "importing" && item.percent !== null) status = `Importing… ${item.percent} %`;
    body.append(h("tr", { "data-job": item.id },
      h("td", {}, h("a", { href: `/jobs/${encodeURIComponent(item.id)}`, text: item.name }),
        item.kind === "retry" ? h("span", { class: "tag", text: "retry" }) : null),
      h("td", { text: new Date(item.created).toLocaleString() }),
      h("td", { class: `phase-${item.phase}`, text: status }),
      h("td", { text: counts })));
  }
  if (jobs.some((item) => BUSY.has(item.phase))) setTimeout(loadJobs, 2000);
}

// -- one job ----------------------------------------------------------------------------------

function setUpJobPage() {
  const form = $("settings");
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", (event) => changeSetting(event.target));
  $("import").addEventListener("click", () => act("import"));
  $("stop").addEventListener("click", () => act("stop"));
  $("retry").addEventListener("click", retry);
  $("delete").addEventListener("click", deleteJob);
}

async function loadJob(id) {
  try {
    render(await api("GET", `/api/jobs/${encodeURIComponent(id)}`));
  } catch (error) {
    $("job").hidden = true;
    $("missing").hidden = false;
  }
}

function schedulePoll() {
  clearTimeout(pollTimer);
  if (job && (BUSY.has(job.phase) || job.autostart)) {
    pollTimer = setTimeout(async () => {
      try {
        render(await api("GET", `/api/jobs/${encodeURIComponent(job.id)}`));
      } catch (error) {
        schedulePoll();  // the server may be restarting: keep asking
      }
    }, POLL_MS);
  }
}

async function act(action) {
  try {
    render(await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/${action}`));
  } catch (error) {
    showMessage(error.message);
  }
}

async function retry() {
  try {
    const child = await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/retry`);
    location.assign(`/jobs/${encodeURIComponent(child.id)}`);
  } catch (error) {
    showMessage(error.message);
  }
}

async function deleteJob() {
  if (!window.confirm(`Delete this job, its uploaded file and its results?`)) return;
  try {
    await api("DELETE", `/api/jobs/${encodeURIComponent(job.id)}`);
    location.assign("/");
  } catch (error) {
    showMessage(error.message);
  }
}

function changeSetting(control) {
  const settings = { ...job.settings };
  const name = control.name;
  if (!name) return;
  settings[name] = control.type === "checkbox" ? control.checked : control.value;
  if (READING.includes(name)) {
    // Other rows or another sheet bring other headers: let the columns be found again.
    for (const column of ["phone_column", ...NAME_FIELDS]) settings[column] = null;
  }
  if (NAME_FIELDS.includes(name)) {
    // Naming one name column turns off the guessing of the others: keep what is shown.
    for (const field of NAME_FIELDS) settings[field] = $(field.replace(/_/g, "-")).value || null;
  }
  sendSettings(settings);
}

async function sendSettings(settings) {
  setFormDisabled(true);
  try {
    render(await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/settings`, settings));
  } catch (error) {
    showMessage(error.message);
    setFormDisabled(false);
  }
}

function setFormDisabled(disabled) {
  for (const el of $("settings").elements) el.disabled = disabled;
}

function render(data) {
  job = data;
  document.title = `${job.name} – WAWP importer`;
  $("job-name").textContent = job.name;
  $("job-meta").textContent = `Uploaded ${new Date(job.created).toLocaleString()}`
    + (job.kind === "retry" ? " · re-sends the failed rows of an earlier import" : "");
  let phase = PHASES[job.phase] || job.phase;
  if (job.phase === "waiting" && job.waiting_for) phase = `Waiting for job ${job.waiting_for}, `
    + "another import to this instance, to finish";
  $("phase").textContent = phase;
  $("phase").className = `phase phase-${job.phase}`;
  showMessage(job.message, job.phase === "invalid" || job.phase === "failed" ? "error" : "info");
  $("delete").disabled = !job.can.delete;
  if (job.phase !== shownPhase) {
    // Once the import is under way the settings are done with: fold them away (the user
    // can open them again; a poll never closes what the user opened).
    $("check-details").open = !["waiting", "importing", "done", "interrupted"].includes(job.phase);
    shownPhase = job.phase;
  }
  const unreadable = job.phase === "invalid" && !job.table;
  $("check").hidden = unreadable;
  $("import-card").hidden = unreadable;
  renderForm();
  renderPreview();
  renderImport();
  renderResults();
  schedulePoll();
}

// -- check: the reader's decisions and the settings -------------------------------------------

function columnSpec(headers, index) {
  // A header names its column when it is unique; otherwise the column's number does.
  const header = headers[index];
  if (header && header.trim() && headers.indexOf(header) === index
      && headers.lastIndexOf(header) === index && !/^\d+$/.test(header.trim())) return header;
  return String(index + 1);
}

function fillColumnSelect(select, headers, chosen, emptyLabel) {
  const options = [];
  if (emptyLabel !== null) options.push(h("option", { value: "", text: emptyLabel }));
  headers.forEach((header, index) => {
    const label = header && header.trim() ? header : `column ${index + 1}`;
    options.push(h("option", { value: columnSpec(headers, index), text: label,
      selected: chosen === index }));
  });
  select.replaceChildren(...options);
  if (chosen === null || chosen === undefined) select.value = "";
}

function renderForm() {
  const table = job.table;
  const key = JSON.stringify([job.phase === "checking", job.settings, table, job.columns,
    job.can.edit]);
  if (key === formKey) return;  // never redraw under the user's hands when nothing changed
  formKey = key;
  const settings = job.settings;
  $("check").classList.toggle("retry", job.kind === "retry");
  $("kind").textContent = table ? table.label : "–";
  $("rows").textContent = table ? fmt(table.rows) : "–";
  // A file the reader could not open has nothing to adjust: offer another upload instead.
  $("settings").hidden = !table;
  $("reupload").hidden = Boolean(table) || job.phase !== "invalid";
  const isText = table ? table.kind === "csv" : true;
  $("encoding-field").hidden = !isText;
  $("delimiter-field").hidden = !isText;
  $("sheet-field").hidden = isText;
  $("reading").hidden = job.kind === "retry";

  const encoding = $("encoding");
  for (const option of [...encoding.options]) if (option.dataset.detected) option.remove();
  if (table && table.encoding && ![...encoding.options].some((o) => o.value === table.encoding)) {
    encoding.append(h("option", { value: table.encoding, text: table.encoding,
      "data-detected": "1" }));
  }
  encoding.value = settings.encoding || "";
  encoding.options[0].textContent = table && table.encoding && !settings.encoding
    ? `${table.encoding} (detected)` : "detect";
  const delimiter = $("delimiter");
  delimiter.value = settings.delimiter || "";
  delimiter.options[0].textContent = table && table.delimiter && !settings.delimiter
    ? `${table.delimiter_name} (detected)` : "detect";

  const sheets = table ? table.sheets : [];
  $("sheet").replaceChildren(...sheets.map((name) => h("option", { value: name, text: name,
    selected: table && name === table.sheet })));
  $("header-row").value = table ? table.header_row : (settings.header_row || "");
  $("header-row").title = table && table.header_detected ? "detected" : "as given";

  const headers = table ? table.headers : [];
  const columns = job.columns;
  fillColumnSelect($("phone-column"), headers, columns ? columns.phone : null,
    columns ? null : "— choose the phone column —");
  $("phone-reason").textContent = columns && columns.phone_reason
    ? `(${columns.phone_reason})` : "";
  fillColumnSelect($("name-column"), headers, columns ? columns.name : null, "— none —");
  fillColumnSelect($("first-name-column"), headers, columns ? columns.first_name : null, "— none —");
  fillColumnSelect($("last-name-column"), headers, columns ? columns.last_name : null, "— none —");

  $("default-region").value = settings.default_region || "";
  $("default-region").placeholder = info.default_region || "EG";
  $("region-hint").textContent = "country of numbers written without +code"
    + (info.default_region ? ` (empty: the server's ${info.default_region})` : "");
  $("first-name-format").value = settings.first_name_format || "";
  $("last-name-format").value = settings.last_name_format || "";
  $("duplicates").value = settings.duplicates;
  $("missing-name").value = settings.missing_name;
  $("title-case").checked = settings.title_case;
  $("all-numbers").checked = settings.all_numbers;
  $("changed-only").checked = settings.changed_only;
  setFormDisabled(!job.can.edit);
  $("notes").replaceChildren(...(table ? table.notes : []).map((note) => h("li", { text: note })));
  const parts = [];
  if (table) parts.push(`${table.label}, ${fmt(table.rows)} rows`);
  if (job.columns) parts.push(job.columns.describe);
  $("check-summary").textContent = parts.join(" · ");
}

function countChips(counts) {
  return h("p", { class: "counts" }, Object.entries(counts).map(([status, n]) =>
    h("span", { class: `chip status-${status}`, "data-status": status, text: `${status} ${fmt(n)}` })));
}

function reasonList(reasons, headers) {
  if (!reasons.length) return null;
  return h("div", { class: "reasons" }, h("h3", { text: "Top reasons" }),
    h("ul", {}, reasons.map((reason) => h("li", {},
      h("span", { class: `chip status-${reason.status}`, text: reason.status }), " ",
      h("strong", { text: fmt(reason.count) }), ` — ${reason.reason}`,
      reason.examples.length ? h("details", {},
        h("summary", { text: `example rows (${reason.examples.map((e) => e.row).join(", ")})` }),
        exampleTable(reason.examples, headers)) : null))));
}

function exampleTable(examples, headers) {
  const width = Math.max(headers.length, ...examples.map((e) => e.values.length));
  const names = Array.from({ length: width }, (_, i) => headers[i] || `column ${i + 1}`);
  return h("div", { class: "scroll" }, h("table", { class: "examples" },
    h("thead", {}, h("tr", {}, h("th", { text: "row" }), h("th", { text: "why" }),
      names.map((name) => h("th", { text: name })))),
    h("tbody", {}, examples.map((e) => h("tr", {}, h("td", { text: e.row }),
      h("td", { text: e.detail }), names.map((_, i) => h("td", { text: e.values[i] || "" })))))));
}

function renderPreview() {
  const box = $("preview");
  const preview = job.preview;
  if (!preview) {
    box.replaceChildren(job.phase === "checking" ? h("p", { class: "hint", text: "Reading the "
      + "file and preparing every row, as the import will…" }) : "");
    return;
  }
  const rows = preview.preview;
  const total = preview.to_send;
  const heading = rows.length < total
    ? `The first ${rows.length} of ${fmt(total)} contacts, exactly as they will be sent`
    : `The ${fmt(total)} contacts, exactly as they will be sent`;
  const headers = job.table ? job.table.headers : [];
  box.replaceChildren(...present(
    h("h3", { text: `Preview: ${fmt(preview.rows)} rows` }),
    countChips(preview.counts),
    rows.length ? h("p", { class: "hint", text: heading }) : h("p", { text: "No row would be sent." }),
    rows.length ? h("table", { id: "preview-table", class: "list" },
      h("thead", {}, h("tr", {}, ["Row", "WhatsApp chat ID", "First name", "Last name"]
        .map((text) => h("th", { text })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", { text: r.row }),
        h("td", { text: r.chat_id }), h("td", { text: r.first_name }),
        h("td", { text: r.last_name }))))) : null,
    reasonList(preview.reasons, headers),
    job.downloads.preview ? h("p", {}, h("a", { href: download("preview.csv"),
      text: "Download every row as it would be sent (CSV)" })) : null));
}

function present(...nodes) {
  return nodes.filter((node) => node !== null && node !== undefined && node !== false);
}

function download(file) {
  return `/jobs/${encodeURIComponent(job.id)}/download/${file}`;
}

// -- import: the button and the progress -----------------------------------------------------

function renderImport() {
  const button = $("import");
  button.disabled = !job.can.import || !info.can_import;
  let label = job.preview ? `Import ${fmt(job.preview.to_send)} contacts` : "Import";
  if (info.instance_id) label += ` into instance ${info.instance_id}`;
  if (job.can.resume && job.can.import) label = "Import the rest (rows sent earlier are skipped)";
  button.textContent = label;
  button.hidden = job.phase === "done" && !job.can.import;
  $("stop").hidden = !job.can.stop;
  const progress = job.progress;
  $("progress").hidden = !progress;
  if (!progress) return;
  const percent = progress.percent === null ? 0 : progress.percent;
  $("progress-fill").style.width = `${percent}%`;
  const parts = [];
  if (job.phase === "waiting") {
    parts.push(job.waiting_for ? `waiting for job ${job.waiting_for}` : "starting");
  } else {
    parts.push(`${progress.percent === null ? "" : `${progress.percent} % — `}${fmt(progress.done)}`
      + (progress.total === null ? " rows" : ` of ${fmt(progress.total)} rows`));
    if (progress.done) parts.push(progress.rate_text);
    if (progress.eta_text && job.phase === "importing") parts.push(`about ${progress.eta_text} left`);
    parts.push(`ok ${fmt(progress.ok)}`, `failed ${fmt(progress.failed)}`);
  }
  $("progress-text").textContent = parts.join(" · ");
}

// -- results ----------------------------------------------------------------------------------

function renderResults() {
  const summary = job.summary;
  $("results-card").hidden = !summary;
  if (!summary) return;
  let head = `${fmt(summary.rows)} rows in ${summary.elapsed_text} (${summary.rate_text}).`;
  if (summary.interrupted) head += " Stopped: rows not sent are marked not_attempted.";
  if (summary.aborted) head += ` Aborted: ${summary.aborted}`;
  if (summary.retried || summary.carried_over) {
    head += ` Retried ${fmt(summary.retried)} rows; ${fmt(summary.carried_over)} carried over.`;
  }
  $("results-head").textContent = head;
  const largest = Math.max(1, ...summary.bars.map((bar) => bar.count));
  $("chart").replaceChildren(...summary.bars.map((bar) => {
    const fill = h("span", { class: "fill" });
    fill.style.width = `${(100 * bar.count) / largest}%`;
    fill.style.background = bar.colour;
    return h("div", { class: "chart-row", "data-status": bar.status },
      h("span", { class: "label", text: bar.status }), h("span", { class: "track" }, fill),
      h("span", { class: "count", text: fmt(bar.count) }));
  }));
  $("result-reasons").replaceChildren(...present(reasonList(summary.reasons,
    job.table ? job.table.headers : [])));
  $("download-csv").href = download("results.csv");
  $("download-xlsx").href = download("results.xlsx");
  $("download-csv").hidden = !job.downloads.csv;
  $("download-xlsx").hidden = !job.downloads.xlsx;
  $("retry").hidden = !job.can.retry;
  $("retry").textContent = `Retry the ${fmt(job.to_retry)} failed or not attempted rows`;
  const links = job.retries.map((id) => h("a", { href: `/jobs/${encodeURIComponent(id)}`,
    text: id }));
  $("retries").replaceChildren(...(links.length ? ["Failures retried in job ",
    ...links.flatMap((link, i) => (i ? [", ", link] : [link]))] : []));
}

start().catch((error) => {
  document.querySelector("main").prepend(h("p", { class: "message error",
    text: `The page could not start: ${error.message}` }));
});
