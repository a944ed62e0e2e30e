// bulkwrite dashboard: live rows from /ui/live (server-sent events), new jobs on the first
// Jobs page, and a mapping table that follows the chosen module. The pages work without it;
// it only saves reloads.
"use strict";

function setText(scope, name, value) {
  for (const cell of scope.querySelectorAll('[data-cell="' + name + '"]')) {
    cell.textContent = String(value);
  }
}

function showJob(job) {
  for (const scope of document.querySelectorAll('[data-job="' + job.id + '"]')) {
    setText(scope, "status", job.status);
    for (const cell of scope.querySelectorAll('[data-cell="status"]')) {
      cell.className = "status status-" + job.status.toLowerCase();
    }
    for (const name of ["added", "updated", "skipped", "total"]) {
      setText(scope, name, job[name]);
    }
    const percent = job.percent === null ? job.rows_done + " rows" : job.percent + "%";
    setText(scope, "percent", percent);
    for (const bar of scope.querySelectorAll("progress")) {
      if (job.percent !== null) bar.value = job.percent;
    }
    job.resources.forEach(function (resource, i) {
      const row = scope.querySelector('[data-resource="' + i + '"]');
      if (row === null) return;
      setText(row, "status", resource.status);
      for (const name of ["added", "updated", "skipped", "total"]) setText(row, name, resource[name]);
    });
    const seen = Number(scope.getAttribute("data-updates") || "0") + 1;
    scope.setAttribute("data-updates", String(seen));
  }
}

function addJob(table, job) {
  // a job created since the page was read: its row (rendered by the server) on top
  if (table.querySelector('[data-job="' + job.id + '"]') !== null) return;
  const body = table.tBodies[0];
  const holder = document.createElement("tbody");
  holder.innerHTML = job.html;
  const row = holder.querySelector("tr");
  if (row === null) return;
  for (const empty of body.querySelectorAll("tr[data-empty]")) empty.remove();
  body.insertBefore(row, body.firstChild);
}

function follow(ids, onEnded, watch) {
  if (ids.length === 0 && !watch) return;
  const parts = ids.map(function (id) { return "job=" + encodeURIComponent(id); });
  if (watch) parts.push(watch.query);
  const stream = new EventSource("/ui/live?" + parts.join("&"));
  stream.addEventListener("job", function (event) {
    const job = JSON.parse(event.data);
    showJob(job);
    if (job.ended && onEnded) onEnded(job);
  });
  if (watch) {
    stream.addEventListener("new", function (event) { addJob(watch.table, JSON.parse(event.data)); });
  }
  stream.addEventListener("end", function () { stream.close(); });
}

document.addEventListener("DOMContentLoaded", function () {
  const table = document.querySelector("table[data-live]");
  if (table !== null) {
    // the first page also gains the jobs created while it is open (data-watch: their filters)
    const query = table.getAttribute("data-watch");
    const watch = query ? { query: query, table: table } : null;
    follow(table.getAttribute("data-live").split(",").filter(Boolean), null, watch);
  }
  const jobPage = document.querySelector("[data-live-page]");
  if (jobPage !== null && jobPage.getAttribute("data-live-page")) {
    // the ended job's page has more to show (errors, downloads, retry): read it again
    follow([jobPage.getAttribute("data-live-page")], function () { window.location.reload(); });
  }
  const module = document.querySelector("select[data-remap]");
  if (module !== null) {
    module.addEventListener("change", function () {
      const again = module.form.querySelector('button[value="remap"]');
      if (again !== null) again.click();
    });
  }
});
