// The page of `wawp-import serve`: plain DOM, no framework, nothing loaded from elsewhere.
// The server does the work (jobs.py); this script uploads, sends settings, and polls the job.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const POLL_MS = 500;
// While the server does not answer, polls are spaced out up to this (and resume at once).
const MAX_RETRY_MS = 8000;
// A screen reader hears the progress at most this often (and at every change of phase).
const ANNOUNCE_MS = 5000;
// Characters that reorder the text around them: a file name holding them could show
// "photo\u202Egpj.exe" as "photoexe.jpg". They are shown as visible codes instead.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const BUSY = new Set(["checking", "waiting", "importing", "recovering"]);
const PHASES = {
  checking: "Checking the file…",
  checked: "Checked: ready to import",
  invalid: "This file cannot be imported as it is",
  waiting: "Starting…",
  importing: "Importing…",
  done: "Import finished",
  failed: "The import could not run",
  interrupted: "Interrupted: the server stopped during the import",
  recovering: "The server stopped during the import: reading what was sent…",
};
// Problems that are not the file's: what the phase line says instead.
const PROBLEMS = {
  invalid: { api_unreachable: "The WAWP API could not be reached" },
  failed: { api_unreachable: "The import could not run: the WAWP API could not be reached" },
};
// Each setting's box, by the setting's name (filled from /api/info: settingBoxes); an error
// about a setting is shown beside it (the columns' errors: beside the table).
let FIELDS = {};
// The settings about reading the file: changing one lets the columns be found again.
let READING = [];
const NAME_FIELDS = ["name_column", "first_name_column", "last_name_column"];
// The settings shown in the column table rather than in a box of their own.
const MAPPING = ["phone_column", "phone_columns", ...NAME_FIELDS];
const ROLES = [["", "ignored"], ["phone", "phone"], ["first_name", "first name"],
  ["last_name", "last name"], ["name", "full name"]];
const FILTERS = {
  working: (j) => BUSY.has(j.phase),
  ready: (j) => j.phase === "checked",
  stopped: (j) => Boolean(j.remaining) || j.phase === "interrupted" || Boolean(j.stopped),
  finished: (j) => j.phase === "done" && !j.stopped,
  unreadable: (j) => j.phase === "invalid" && !j.problem,
};

let info = null;
let job = null;
let formKey = "";
let pollTimer = null;
let shownPhase = "";
let announced = { at: 0, phase: "" };
let allJobs = [];
let failures = 0;  // polls in a row the server did not answer
let shownField = { field: null, message: "" };

const $ = (id) => document.getElementById(id);
const fmt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));
const plural = (n, one, many) => `${fmt(n)} ${Number(n) === 1 ? one : many}`;
const safeName = (name) => String(name).replace(BIDI_CONTROLS,
  (c) => `[U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}]`);

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
  // a named user's session ended (sign-out in another tab, a restarted server): the page
  // shows the sign-in form again, and this page once signed in
  if (response.status === 401 && info && info.users) location.reload();
  if (!response.ok) {
    const error = new Error(data.error || `the server answered ${response.status}`);
    error.field = data.field;
    error.status = response.status;
    throw error;
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
  const several = (info.instances || []).length > 1;
  const target = several
    ? `Imports go to ${info.instances.length} numbers: ${info.instances.map((i) => i.name).join(", ")}`
    : info.instance_id
    ? `Imports go to instance ${info.instance_id} at ${info.base_url}`
    : "No WAWP instance configured: files can be checked, not imported";
  $("instance").textContent = target;
  $("instance").classList.toggle("warn", !info.can_import);
  setUpAccount(info);  // activity.js
  const match = location.pathname.match(/^\/jobs\/([^/]+)$/);
  if (location.pathname === "/activity") {
    $("activity").hidden = false;
    await startActivity();
  } else if (match) {
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

function severalNumbers() {
  return (info.instances || []).length > 1;
}

function numberOf(item) {
  // The number a job sends to, as /api/info has it; null when the server has it no more.
  const numbers = info.instances || [];
  if (!severalNumbers() && (item.instance === null || item.instance === undefined)) {
    return numbers[0] || info;
  }
  return numbers.find((number) => number.name === item.instance) || null;
}

function setUpHome() {
  if (severalNumbers()) {
    // No number is chosen for the user: a file sent to the wrong number cannot be unsent.
    $("number").append(...info.instances.map((number) =>
      h("option", { value: number.name, text: `${number.name} (${number.instance_id})` })));
    $("number-choice").hidden = false;
  }
  $("job-filter").addEventListener("change", renderJobs);
  $("clear-unreadable").addEventListener("click", clearUnreadable);
  $("formats").textContent = "CSV, TSV or text files, Excel workbooks (.xlsx, .xls, .xlsm, "
    + ".xlsb), OpenDocument spreadsheets (.ods), vCard contact files (.vcf) and the HTML "
    + `tables web CRMs save as .xls, up to ${sizeText(info.max_upload_bytes)}.`;
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
    uploadStatus(`${safeName(file.name)} is ${sizeText(file.size)}; this server takes files up `
      + `to ${sizeText(info.max_upload_bytes)}. Split the file, or ask whoever runs this server `
      + "to allow larger files.", "error");
    return;
  }
  let query = `name=${encodeURIComponent(file.name)}`;
  if (severalNumbers()) {
    if (!$("number").value) {
      uploadStatus("Choose the number this file goes to first, then the file.", "error");
      $("file").value = "";  // so that choosing the same file again is heard
      $("number").focus();
      return;
    }
    query += `&instance=${encodeURIComponent($("number").value)}`;
  }
  const request = new XMLHttpRequest();
  request.open("POST", `/api/jobs?${query}`);
  request.setRequestHeader("X-CSRF-Token", CSRF);
  request.setRequestHeader("Content-Type", "application/octet-stream");
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) {
      uploadStatus(`Uploading ${safeName(file.name)}: `
        + `${Math.round((100 * event.loaded) / event.total)} %`);
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
  uploadStatus(`Uploading ${safeName(file.name)}…`);
  request.send(file);
}

function stoppedText(item) {
  // "Stopped after 175 of 800 — stopped from the page": what went out, and why it stopped.
  const counted = item.done !== null && item.done !== undefined && item.total !== null
    && item.total !== undefined;
  const done = item.job_done ?? item.done;  // the whole job, across its resumes
  const total = item.job_total ?? item.total;
  const after = counted ? ` after ${fmt(done)} of ${fmt(total)}` : "";
  return `Stopped${after}${item.stopped ? ` — ${item.stopped}` : ""}`;
}

function isStopped(item) {
  return item.phase === "interrupted" || (item.phase === "done" && Boolean(item.stopped));
}

async function loadJobs() {
  let jobs;
  try {
    ({ jobs } = await api("GET", "/api/jobs"));
  } catch (error) {
    // The server may be restarting: say so, and keep asking until it answers.
    connectionLost(true);
    setTimeout(loadJobs, retryDelay());
    return;
  }
  connectionLost(false);
  allJobs = jobs;
  renderJobs();
  if (jobs.some((item) => BUSY.has(item.phase))) setTimeout(loadJobs, 2000);
}

function retryDelay() {
  // 1 s, 2 s, 4 s… at most MAX_RETRY_MS: a server that is down is not asked twice a second.
  failures += 1;
  return Math.min(MAX_RETRY_MS, 1000 * 2 ** (failures - 1));
}

function phaseText(item) {
  return (PROBLEMS[item.phase] || {})[item.problem] || PHASES[item.phase] || item.phase;
}

function renderJobs() {
  const jobs = allJobs;
  const filter = FILTERS[$("job-filter").value];
  const shown = filter ? jobs.filter(filter) : jobs;
  const body = $("jobs").querySelector("tbody");
  body.replaceChildren();
  $("no-jobs").hidden = jobs.length > 0;
  $("jobs-tools").hidden = jobs.length === 0;
  $("jobs").hidden = jobs.length === 0;
  const unreadable = jobs.filter(FILTERS.unreadable).length;
  $("clear-unreadable").hidden = unreadable === 0;
  $("clear-unreadable").textContent = `Delete the ${plural(unreadable, "file", "files")} `
    + "that could not be used";
  for (const item of shown) {
    const counts = Object.entries(item.counts || {}).map(([s, n]) => `${s} ${fmt(n)}`).join(", ");
    let status = phaseText(item);
    let phaseClass = `phase-${item.phase}`;
    if (item.phase === "importing" && item.percent !== null) status = `Importing… ${item.percent} %`;
    if (item.phase === "waiting" && item.waiting_for_name) {
      status = `Waiting for another import (${safeName(item.waiting_for_name)})`;
    }
    if (isStopped(item)) {
      status = stoppedText(item);
      phaseClass = "phase-stopped";
    }
    if (item.remaining) status += ` · ${plural(item.remaining, "row", "rows")} left to send`;
    if (item.taken_by) status += " · the rest is sent by a retry";
    body.append(h("tr", { "data-job": item.id, "data-phase": item.phase },
      h("td", {}, h("a", { href: `/jobs/${encodeURIComponent(item.id)}` },
        h("bdi", { text: safeName(item.name) })),
        item.kind === "retry" ? h("span", { class: "tag", text: "retry" }) : null,
        severalNumbers() && item.instance
          ? h("span", { class: "tag number", "data-number": item.instance },
            h("bdi", { text: item.instance })) : null),
      h("td", { text: new Date(item.created).toLocaleString() }),
      h("td", { class: phaseClass, text: status }),
      h("td", { text: counts })));
  }
  if (jobs.length && !shown.length) {
    body.append(h("tr", {}, h("td", { colspan: "4", class: "hint", text: "No job of that kind." })));
  }
}

async function clearUnreadable() {
  try {
    const { deleted } = await api("DELETE", "/api/jobs?phase=invalid");
    $("jobs-status").textContent = `Deleted ${plural(deleted.length, "job", "jobs")}.`;
  } catch (error) {
    $("jobs-status").textContent = error.message;
  }
  await loadJobs();
}

// -- one job ----------------------------------------------------------------------------------

function boxId(name) {
  return name.replaceAll("_", "-");
}

function settingBoxes() {
  // The page's settings come from their one definition (/api/info): those with words of
  // their own get a box made here, a checkbox, a list of the choices or a text box.
  const grid = $("normalizing").querySelector(".grid");
  for (const setting of info.settings) {
    const id = boxId(setting.name);
    if (!setting.label || $(id)) continue;
    const error = h("small", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
    if (setting.kind === "bool") {
      grid.append(h("label", { class: "check" },
        h("input", { id, name: setting.name, type: "checkbox" }), ` ${setting.label}`, error));
    } else if (setting.choices) {
      grid.append(h("label", {}, `${setting.label} `,
        h("select", { id, name: setting.name, "aria-describedby": `${id}-error` },
          setting.choices.map(([value, text]) => h("option", { value, text }))), error));
    } else {
      grid.append(h("label", {}, `${setting.label} `,
        h("input", { id, name: setting.name, placeholder: setting.placeholder || null,
          "aria-describedby": `${id}-error` }), error));
    }
  }
  FIELDS = {};
  for (const setting of info.settings) {
    if (MAPPING.includes(setting.name)) FIELDS[setting.name] = "mapping";
    else if ($(boxId(setting.name))) FIELDS[setting.name] = boxId(setting.name);
  }
  READING = info.settings.filter((setting) => setting.reading).map((setting) => setting.name);
}

function setUpJobPage() {
  settingBoxes();
  const form = $("settings");
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", (event) => changeSetting(event.target));
  $("import").addEventListener("click", () => act("import"));
  $("forget-mapping").addEventListener("click", () => act("forget-mapping"));
  $("resend").addEventListener("click", () => act("resend"));
  $("stop").addEventListener("click", () => act("stop"));
  $("remaining").addEventListener("click", sendRemaining);
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

function schedulePoll(delay) {
  clearTimeout(pollTimer);
  if (job && (BUSY.has(job.phase) || job.autostart)) {
    pollTimer = setTimeout(async () => {
      let data = null;
      try {
        data = await api("GET", `/api/jobs/${encodeURIComponent(job.id)}`);
      } catch (error) {
        // The server may be restarting: say so instead of freezing on the last ETA.
        connectionLost(true);
        schedulePoll(retryDelay());
        return;
      }
      connectionLost(false);
      render(data);
    }, delay || POLL_MS);
  }
}

function connectionLost(lost) {
  if (!lost) failures = 0;
  if ($("connection").hidden === !lost) return;
  $("connection").hidden = !lost;
  if (lost) announce("Connection lost, retrying…", true);
}

function announce(text, now) {
  // One polite live region, updated at most every ANNOUNCE_MS unless the phase changed:
  // a status read out twice a second is noise.
  const at = Date.now();
  if (!now && at - announced.at < ANNOUNCE_MS) return;
  if ($("announce").textContent === text) return;
  announced.at = at;
  $("announce").textContent = text;
}

async function act(action) {
  try {
    render(await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/${action}`));
  } catch (error) {
    await refused(error);
  }
}

async function refused(error) {
  // 409: the job changed meanwhile (another tab imported or stopped it): show it as it is
  // now, rather than keep offering what no longer applies, and say why.
  if (error.status === 409) {
    try {
      render(await api("GET", `/api/jobs/${encodeURIComponent(job.id)}`));
    } catch (e) { /* the message below still says what happened */ }
    showMessage(`This job changed meanwhile (in another tab or window?): ${error.message}. `
      + "It is shown as it is now.", "info");
  } else {
    showMessage(error.message);
  }
}

async function sendRemaining() {
  try {
    const sender = await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/remaining`);
    if (sender.id !== job.id) location.assign(`/jobs/${encodeURIComponent(sender.id)}`);
    else render(sender);
  } catch (error) {
    await refused(error);
  }
}

async function deleteJob() {
  if (!window.confirm(`Delete this job, its uploaded file and its results?`)) return;
  try {
    await api("DELETE", `/api/jobs/${encodeURIComponent(job.id)}`);
    location.assign("/");
  } catch (error) {
    await refused(error);
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
  if (name === "default_region") settings.default_region = control.value.trim().toUpperCase();
  sendSettings(settings);
}

function changeRole(select) {
  // The mapping table: a role per column; phone columns are tried in the order of the
  // table, the one just chosen first among those of its rank.
  const settings = { ...job.settings };
  const rows = [...$("mapping").querySelectorAll("tbody tr")];
  const roles = rows.map((row) => row.querySelector("select").value);
  const changed = rows.indexOf(select.closest("tr"));
  const role = select.value;
  if (role && role !== "phone") {
    roles.forEach((r, i) => { if (r === role && i !== changed) roles[i] = ""; });
  }
  const specs = rows.map((row) => row.dataset.spec);
  const previous = job.settings.phone_columns || chosenPhones(job.columns, specs);
  let phones = previous.filter((spec) => roles[specs.indexOf(spec)] === "phone");
  if (role === "phone" && !phones.includes(specs[changed])) phones.push(specs[changed]);
  roles.forEach((r, i) => { if (r === "phone" && !phones.includes(specs[i])) phones.push(specs[i]); });
  settings.phone_columns = phones.length ? phones : null;
  settings.phone_column = phones.length ? phones[0] : null;
  for (const field of NAME_FIELDS) {
    const index = roles.indexOf(field.replace(/_column$/, ""));
    settings[field] = index >= 0 ? specs[index] : null;
  }
  sendSettings(settings);
}

function chosenPhones(columns, specs) {
  // The reader's choice: the phone column, then the columns a row falls back to.
  if (!columns || columns.phone === null) return [];
  return [columns.phone, ...(columns.phone_alternatives || [])].map((index) => specs[index]);
}

function movePhone(spec, step) {
  const specs = [...$("mapping").querySelectorAll("tbody tr")].map((row) => row.dataset.spec);
  const phones = [...(job.settings.phone_columns || chosenPhones(job.columns, specs))];
  const at = phones.indexOf(spec);
  const to = at + step;
  if (at < 0 || to < 0 || to >= phones.length) return;
  [phones[at], phones[to]] = [phones[to], phones[at]];
  sendSettings({ ...job.settings, phone_columns: phones, phone_column: phones[0] });
}

async function sendSettings(settings) {
  setFormDisabled(true);
  fieldError(null);
  try {
    render(await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/settings`, settings));
  } catch (error) {
    // A bad value is shown beside its box; the job, its mapping included, is unchanged.
    if (FIELDS[error.field]) fieldError(error.field, error.message);
    else if (error.status === 409) await refused(error);
    else showMessage(error.message);
    setFormDisabled(false);
  }
}

function fieldError(field, text) {
  // One message at a time, beside its box: the box is described by it and marked invalid.
  const target = text ? FIELDS[field] : null;
  for (const id of new Set(Object.values(FIELDS))) {
    const shown = id === target;
    const note = $(errorId(id));
    note.hidden = !shown;
    note.textContent = shown ? text : "";
    if ($(id).tagName !== "TABLE") $(id).setAttribute("aria-invalid", shown ? "true" : "false");
  }
}

function errorId(id) {
  return id === "default-region" ? "region-error" : `${id}-error`;
}

function setFormDisabled(disabled) {
  for (const el of $("settings").elements) el.disabled = disabled;
  for (const el of $("mapping").querySelectorAll("select, button")) el.disabled = disabled;
}

function render(data) {
  job = data;
  document.title = `${safeName(job.name)} – WAWP importer`;
  $("job-name").replaceChildren(h("bdi", { text: safeName(job.name) }));
  $("job-meta").textContent = `Uploaded ${new Date(job.created).toLocaleString()}`
    + (job.kind === "retry" ? " · re-sends the failed rows of an earlier import" : "")
    + (severalNumbers() && job.instance ? ` · to the number ${job.instance}` : "");
  let phase = phaseText(job);
  let phaseClass = `phase-${job.phase}`;
  const stopped = isStopped(job);
  if (stopped) {
    phase = stoppedText({ ...job, ...(job.progress || {}) });
    phaseClass = "phase-stopped";
  } else if (job.phase === "done" && job.remaining) {
    phase = `Import finished: ${plural(job.remaining, "row", "rows")} failed`;
    phaseClass = "phase-stopped";
  } else if (job.phase === "checked" && job.preview && job.preview.already && !job.to_send) {
    phase = "Checked: already in the address book";
  }
  if (job.phase === "waiting" && job.waiting_for) {
    // Only when another import really holds the instance, naming its file.
    $("phase").replaceChildren("Waiting for another import to this instance to finish: ",
      h("a", { href: `/jobs/${encodeURIComponent(job.waiting_for)}` },
        h("bdi", { text: safeName(job.waiting_for_name || job.waiting_for) })));
    phase = $("phase").textContent;
  } else {
    $("phase").textContent = phase;
  }
  $("phase").className = `phase ${phaseClass}`;
  announce(phase + (job.phase === "importing" && job.progress ? ` ${progressWords(job.progress)}` : ""),
    job.phase !== announced.phase);
  announced.phase = job.phase;
  showMessage(job.message, job.phase === "invalid" || job.phase === "failed" ? "error" : "info");
  if (job.field !== shownField.field || job.message !== shownField.message) {
    // a check that failed over one setting: its message beside that setting's box too
    shownField = { field: job.field, message: job.message };
    if (job.phase !== "checking") fieldError(job.field, job.field ? job.message : "");
  }
  $("delete").disabled = !job.can.delete;
  if (job.phase !== shownPhase) {
    // Once the import is under way the settings are done with: fold them away (the user
    // can open them again; a poll never closes what the user opened).
    $("check-details").open = !["waiting", "importing", "done", "interrupted", "failed"]
      .includes(job.phase) || (job.phase === "failed" && !job.progress);
    shownPhase = job.phase;
  }
  const unreadable = job.phase === "invalid" && !job.table;
  $("check").hidden = unreadable;
  $("import-card").hidden = unreadable;
  renderForm();
  renderRemembered();
  renderPreview();
  renderFixRows();
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
  // The saved setting wins over the sheet read: when the chosen sheet could not be used
  // (an empty one), the list still shows it, so choosing another sheet is a change.
  const sheet = settings.sheet && sheets.includes(settings.sheet) ? settings.sheet
    : (table ? table.sheet : null);
  $("sheet").replaceChildren(...sheets.map((name) => h("option", { value: name, text: name,
    selected: name === sheet })));
  // The row asked for, even when the file has no such row: the box never falls back to the
  // row the reader found by itself, so typing the same wrong number is still a change.
  $("header-row").value = settings.header_row || (table ? table.header_row : "");
  $("header-row").title = table && table.header_detected && !settings.header_row
    ? "detected" : "as given";

  renderMapping(table, settings);
  renderRegion(settings);
  for (const setting of info.settings) {
    if (!setting.label) continue;  // drawn above, each in its own way
    const box = $(boxId(setting.name));
    if (box.type === "checkbox") box.checked = Boolean(settings[setting.name]);
    else box.value = settings[setting.name] ?? "";
  }
  setFormDisabled(!job.can.edit);
  $("notes").replaceChildren(...(table ? table.notes : []).map((note) => h("li", { text: note })));
  $("region-warning").hidden = !job.region_warning;
  $("region-warning").textContent = job.region_warning || "";
  const parts = [];
  if (table) parts.push(`${table.label}, ${fmt(table.rows)} rows`);
  if (job.columns) parts.push(job.columns.describe);
  $("check-summary").textContent = parts.join(" · ");
}

function renderMapping(table, settings) {
  const headers = table ? table.headers : [];
  const samples = (table && table.samples) || [];
  const columns = job.columns;
  const specs = headers.map((_, index) => columnSpec(headers, index));
  // Phone columns: as saved (in their order), else the one the reader chose.
  let phones = (settings.phone_columns || []).filter((spec) => specs.includes(spec));
  if (!phones.length) phones = chosenPhones(columns, specs);
  const role = (index) => {
    if (phones.includes(specs[index])) return "phone";
    if (!columns) return "";
    if (columns.first_name === index) return "first_name";
    if (columns.last_name === index) return "last_name";
    if (columns.name === index) return "name";
    return "";
  };
  const body = $("mapping").querySelector("tbody");
  body.replaceChildren(...headers.map((header, index) => {
    const label = header && header.trim() ? header : `column ${index + 1}`;
    const current = role(index);
    const select = h("select", { "aria-label": `Role of ${label}`, "data-column": String(index) },
      ROLES.map(([value, text]) => h("option", { value, text, selected: value === current })));
    select.value = current;
    select.addEventListener("change", (event) => { event.stopPropagation(); changeRole(select); });
    const rank = phones.indexOf(specs[index]);
    const order = rank >= 0 && phones.length > 1 ? h("span", { class: "order" },
      h("span", { class: "rank", text: rank === 0 ? "1st" : `${rank + 1}${["", "nd", "rd"][rank] || "th"} (fallback)` }),
      rank > 0 ? h("button", { type: "button", class: "quiet small", "aria-label": `Try ${label} earlier`,
        text: "↑", onclick: () => movePhone(specs[index], -1) }) : null) : null;
    return h("tr", { "data-spec": specs[index], "data-role": current },
      h("th", { scope: "row" }, h("bdi", { text: safeName(label) })),
      h("td", { class: "samples" }, (samples[index] || []).length
        ? samples[index].map((value) => h("span", { class: "sample" }, h("bdi", { text: safeName(value) })))
        : h("span", { class: "hint", text: "(empty)" })),
      h("td", {}, select, order));
  }));
  $("phone-reason").textContent = columns && columns.phone_reason && !settings.phone_columns
    ? `The phone column was chosen because: ${columns.phone_reason}.` : "";
  if (!columns && job.phase === "invalid" && table) {
    $("phone-reason").textContent = "Choose the phone column below.";
  }
}

function renderRegion(settings) {
  const box = $("default-region");
  if (document.activeElement !== box) box.value = settings.default_region || "";
  box.placeholder = "";
  // The region the check read the numbers in, when the box names none: the server's, the
  // instance's own number's, or the one the numbers are plainly written in.
  const number = numberOf(job) || {};
  const used = settings.default_region || (job.region && job.region.code) || "";
  let source = "";
  if (!settings.default_region && used) {
    source = job.region.source ? ` (from ${job.region.source})` : " (the server's setting)";
  } else if (used === number.default_region && number.region_source) {
    source = ` (from ${number.region_source})`;
  }
  $("region-hint").textContent = used
    ? `Numbers written without a country code are read as ${used} numbers${source}.`
    : "No region: numbers written without a country code cannot be read. Type the country's "
      + "two-letter code (EG, SA, US…).";
  $("region-hint").classList.toggle("field-error", !used);
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
  return h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Example rows" },
    h("table", { class: "examples" },
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
    // a box that scrolls sideways on a phone: reachable by keyboard, and named
    rows.length ? h("div", { class: "scroll", tabindex: "0", role: "region",
      "aria-label": "Preview table" }, h("table", { id: "preview-table", class: "list" },
      h("thead", {}, h("tr", {}, ["Row", "WhatsApp chat ID", "First name", "Last name"]
        .map((text) => h("th", { text })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", { text: r.row }),
        h("td", { text: r.chat_id }), h("td", { text: r.first_name }),
        h("td", { text: r.last_name })))))) : null,
    reasonList(preview.reasons, headers),
    job.downloads.preview ? h("p", {}, h("a", { href: download("preview.csv"),
      text: "Download every row as it would be sent (CSV)" })) : null));
}

// -- remembered mappings and rows fixed in place ---------------------------------------------

function renderRemembered() {
  // "Mapping as for crm-weekly.csv on 3 Dec": the job started from last time's mapping
  const remembered = job.remembered;
  $("remembered").hidden = !remembered;
  $("remembered-text").textContent = remembered ? `${remembered.text}.` : "";
  $("forget-mapping").disabled = !job.can.edit && job.phase !== "checking";
}

let fixKey = "";
const fixAnswers = {};  // row → what the server answered for its last fix

function renderFixRows() {
  const box = $("fix-rows");
  const listed = job.preview && job.preview.fix_rows;
  const editable = job.can.edit;
  if (job.phase !== "checking") {
    // the check that followed the fixes has the last word on every row
    for (const row of Object.keys(fixAnswers)) delete fixAnswers[row];
  }
  const key = JSON.stringify([listed, editable, fixAnswers, job.phase, job.has_fixes]);
  // a poll must not rebuild the table under the user's cursor
  if (key === fixKey || box.contains(document.activeElement)
      && document.activeElement.tagName === "INPUT") return;
  fixKey = key;
  if (!listed || !listed.rows.length) {
    // a check the fixes themselves stopped (a column they name is gone): one way back
    box.replaceChildren(...present(job.phase === "invalid" && job.has_fixes && editable
      ? h("p", {}, "Some cells of this file were fixed on this page. ",
        h("button", { type: "button", id: "undo-all-fixes", onclick: () => postFix({ undo_all: true }),
          text: "Undo every fix" })) : null));
    return;
  }
  const invalidShown = listed.rows.filter((r) => r.status === "invalid").length;
  const more = listed.invalid > invalidShown
    ? ` The first ${fmt(invalidShown)} of ${fmt(listed.invalid)} invalid rows are listed; `
      + "the preview download has them all." : "";
  box.replaceChildren(
    h("h3", { text: "Rows to fix" }),
    h("p", { class: "hint", text: "Edit a phone or a name and press Enter: the row is checked "
      + "again at once, with the same rules as the import, and sent with the job. The uploaded "
      + `file is not changed; the results show what it said and what was sent.${more}` }),
    h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Rows to fix" },
      h("table", { id: "fix-table", class: "list" },
        h("thead", {}, h("tr", {}, ["Row", "Cells the import reads", "Now"]
          .map((text) => h("th", { text })))),
        h("tbody", {}, listed.rows.map((row) => fixRow(row, editable))))));
}

function fixRow(row, editable) {
  const answer = fixAnswers[row.row];
  const cells = row.cells.map((cell) => {
    const id = `fix-${row.row}-${row.cells.indexOf(cell)}`;
    const input = h("input", { id, value: cell.fixed ?? cell.value, "data-row": row.row,
      "data-column": cell.column, disabled: !editable, "aria-invalid": cell.cause ? "true" : "false",
      onkeydown: (event) => { if (event.key === "Enter") { event.preventDefault(); event.target.blur(); } },
      onchange: (event) => sendFix(row.row, cell.column, event.target.value) });
    return h("div", { class: `fix-cell${cell.cause ? " cause" : ""}` },
      h("label", { for: id, text: cell.column }), input,
      cell.fixed !== null && cell.fixed !== undefined
        ? h("small", { class: "hint", text: cell.value ? `the file has “${cell.value}”`
          : "empty in the file" }) : null,
      cell.cause ? h("small", { class: "field-error", text: row.detail }) : null);
  });
  const status = answer ? answer.status : row.status;
  const now = answer || row;
  const outcome = status === "ready" || status === "ok"
    ? `sends ${now.chat_id} ${[now.first_name, now.last_name].filter(Boolean).join(" ")}`
    : now.detail;
  return h("tr", { "data-row": row.row, class: row.fixed ? "fixed" : null },
    h("td", { text: row.row }), h("td", {}, h("div", { class: "fix-cells" }, cells)),
    h("td", {}, h("span", { class: `chip status-${status}`, text: status }), " ",
      h("span", { class: "outcome", text: outcome }),
      row.fixed && editable ? h("button", { type: "button", class: "small quiet",
        onclick: () => undoFix(row.row), text: "Undo fix" }) : null));
}

async function sendFix(row, column, value) {
  await postFix({ row, field: column, value });
}

async function undoFix(row) {
  await postFix({ row, undo: true });
}

async function postFix(fix) {
  try {
    const answer = await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/fixes`, fix);
    if (fix.undo) delete fixAnswers[fix.row];
    else if (answer.row) fixAnswers[fix.row] = answer.row;
    if (answer.row) announce(`Row ${fix.row}: ${answer.row.status}`, true);
    render(answer.job);
  } catch (error) {
    if (error.status === 409) await refused(error);
    else showMessage(error.message);
  }
}

function present(...nodes) {
  return nodes.filter((node) => node !== null && node !== undefined && node !== false);
}

function download(file) {
  return `/jobs/${encodeURIComponent(job.id)}/download/${file}`;
}

// -- import: the button and the progress -----------------------------------------------------

function sentWords(ok, of, failed) {
  const counted = of === null || of === undefined ? fmt(ok) : `${fmt(ok)} of ${fmt(of)}`;
  return `${counted} contacts sent${failed ? `; ${fmt(failed)} failed` : ""}`;
}

function progressWords(progress) {
  if (progress.total === null || progress.total === undefined) return `${fmt(progress.done)} sent`;
  return `${fmt(progress.done)} of ${fmt(progress.total)} sent`;
}

function renderImport() {
  const button = $("import");
  const toSend = job.to_send;
  const checked = job.phase === "checked" || job.can.import;
  const number = numberOf(job);
  const canImport = Boolean(number && number.can_import);
  button.disabled = !job.can.import || !canImport;
  let label = job.preview ? `Import ${plural(toSend, "contact", "contacts")}` : "Import";
  if (severalNumbers() && number) label += ` into ${number.name}`;
  else if (number && number.instance_id) label += ` into instance ${number.instance_id}`;
  button.textContent = label;
  // Nothing to send: say so instead of offering "Import 0 contacts".
  const nothing = Boolean(job.preview) && toSend === 0 && checked;
  button.hidden = nothing || !checked;
  // What the record says before anything is sent: rows already in the address book are not
  // sent again, unless asked ("Send again anyway", the one way to send them).
  const already = job.preview && job.preview.already && checked ? job.preview.already : null;
  $("already").hidden = !already;
  $("already").textContent = already ? already.text : "";
  const resend = $("resend");
  resend.hidden = !job.can.resend;
  resend.disabled = !canImport;
  resend.textContent = already && toSend > 0
    ? `Send all ${fmt(already.of)} anyway, those already there too` : "Send again anyway";
  resend.className = toSend > 0 ? "quiet" : "primary";
  $("nothing").hidden = !nothing || Boolean(already);
  $("nothing").textContent = nothing ? "Nothing to send: no row of this file has a number "
    + "that can be imported. The reasons are in the preview above." : "";
  // One unfinished job offers one way on: send what is left (resumed here, or in a retry job).
  const remaining = $("remaining");
  remaining.hidden = !job.can.send_remaining;
  remaining.disabled = !canImport;
  remaining.textContent = `Send the remaining ${plural(job.to_retry, "row", "rows")}`;
  const taken = job.retries.length ? job.retries[job.retries.length - 1] : null;
  $("taken").hidden = !taken;
  $("taken").replaceChildren(...(taken ? ["The rows left by this import are sent by ",
    h("a", { href: `/jobs/${encodeURIComponent(taken)}`, text: "its retry job" }), "."] : []));
  $("stop").hidden = !job.can.stop;
  const progress = job.progress;
  $("progress").hidden = !progress;
  if (!progress) return;
  const stopped = isStopped(job);
  const percent = progress.percent === null ? 0 : progress.percent;
  $("progress-fill").style.width = `${percent}%`;
  $("progress").classList.toggle("stopped", stopped);
  const bar = $("progress-bar");
  if (progress.total === null || progress.total === undefined) {
    bar.removeAttribute("aria-valuemax");
    bar.removeAttribute("aria-valuenow");
  } else {
    bar.setAttribute("aria-valuemax", String(progress.total));
    bar.setAttribute("aria-valuenow", String(progress.done));
  }
  bar.setAttribute("aria-valuetext", progressWords(progress));
  const parts = [];
  if (job.phase === "waiting") {
    parts.push(job.waiting_for ? "waiting for its turn" : "starting");
  } else {
    // "1,950 of 2,000 contacts sent; 50 failed": a row WAWP did not store is not sent
    parts.push(`${progress.percent === null ? "" : `${progress.percent} % — `}`
      + `${sentWords(progress.done - (progress.failed || 0), progress.total, progress.failed)}`);
    if (progress.done) parts.push(progress.rate_text);
    if (progress.eta_text && job.phase === "importing") parts.push(`about ${progress.eta_text} left`);
  }
  $("progress-text").textContent = parts.join(" · ");
}

// -- results ----------------------------------------------------------------------------------

function renderResults() {
  const summary = job.summary;
  $("results-card").hidden = !summary;
  if (!summary) return;
  const sent = summary.sent === null || summary.sent === undefined ? summary.rows : summary.sent;
  const failed = job.progress ? job.progress.failed || 0 : 0;
  const words = failed ? `${sentWords(sent - failed, sent, failed)}; it took`
    : `${plural(sent, "contact", "contacts")} sent in`;
  let head = `${words} ${summary.elapsed_text} (${summary.rate_text}); the results cover `
    + `all ${plural(summary.rows, "row", "rows")}.`;
  if (summary.interrupted || summary.aborted) {
    head += ` Stopped (${job.stopped || summary.aborted}): rows not sent are marked not_attempted.`;
  }
  if (summary.already) head += ` ${summary.already.text}`;
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
  const links = job.retries.map((id) => h("a", { href: `/jobs/${encodeURIComponent(id)}`,
    text: id }));
  $("retries").replaceChildren(...(links.length ? ["Failures retried in job ",
    ...links.flatMap((link, i) => (i ? [", ", link] : [link]))] : []));
}

start().catch((error) => {
  document.querySelector("main").prepend(h("p", { class: "message error",
    text: `The page could not start: ${error.message}` }));
});
