"use strict";
// The activity view (/activity): who did what to which job, newest first, filtered by number
// or action; and the signed-in user in the header. Uses app.js's $, h, api and fmt.

const ACTION_WORDS = {
  upload: "uploaded", settings: "changed the settings", fix: "fixed a row",
  forget_mapping: "forgot the remembered mapping", check: "check finished",
  import: "import started", resend: "sent again anyway", import_end: "import finished",
  stop: "stopped", retry: "retried the failures", remaining: "sent the remaining rows",
  delete: "deleted", download: "downloaded", login: "signed in",
  refused: "refused", login_failed: "wrong name or password", logout: "signed out",
};

function setUpAccount(account) {
  if (!account.user) return;
  $("user").textContent = `Signed in as ${account.user}`;
  $("user").hidden = false;
  $("sign-out").hidden = false;
  $("sign-out").addEventListener("click", async () => {
    await api("POST", "/logout").catch(() => {});
    location.assign("/");
  });
}

async function startActivity() {
  $("activity-number").addEventListener("change", loadActivity);
  $("activity-action").addEventListener("change", loadActivity);
  await loadActivity();
}

function fillFilter(select, values, words) {
  const chosen = select.value;
  const wanted = ["", ...values];
  if ([...select.options].map((o) => o.value).join("\n") === wanted.join("\n")) return;
  const first = select.options[0].textContent;
  select.replaceChildren(...wanted.map((value) => h("option", {
    value, text: value ? (words[value] || value) : first, selected: value === chosen })));
}

function countsText(counts) {
  return Object.entries(counts || {}).map(([status, n]) => `${status} ${fmt(n)}`).join(", ");
}

async function loadActivity() {
  const params = new URLSearchParams();
  for (const key of ["number", "action"]) {
    const value = $(`activity-${key}`).value;
    if (value) params.set(key, value);
  }
  const query = params.toString() ? `?${params}` : "";
  let data;
  try {
    data = await api("GET", `/api/activity${query}`);
  } catch (error) {
    $("activity-status").textContent = error.message;
    return;
  }
  fillFilter($("activity-number"), data.numbers, {});
  fillFilter($("activity-action"), data.actions, ACTION_WORDS);
  $("activity-csv").href = `/activity.csv${query}`;
  $("activity-status").textContent = data.entries.length
    ? plural(data.entries.length, "entry", "entries") : "Nothing recorded yet.";
  $("activity-list").tBodies[0].replaceChildren(...data.entries.map((entry) => h("tr", {},
    h("td", {}, h("time", { datetime: entry.time, title: entry.time,
                            text: new Date(entry.time).toLocaleString() })),
    h("td", { text: ACTION_WORDS[entry.action] || entry.action }),
    h("td", {}, entry.job
      ? h("a", { href: `/jobs/${encodeURIComponent(entry.job)}`, text: safeName(entry.file || entry.job) })
      : ""),
    h("td", { text: entry.number || "" }),
    h("td", { text: countsText(entry.counts) }),
    h("td", { text: entry.detail || "" }),
    h("td", { text: entry.user || "" }),
    h("td", { text: entry.client || "" }))));
}
