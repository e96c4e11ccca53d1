/* Polls an import job's JSON status every second and moves the progress bar; reloads the page when the job
   has finished so the summary, the changes or the problems appear. No dependencies, no CDN. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-import-status-url");
  var bar = document.getElementById("import-progress-bar");
  var label = document.getElementById("import-progress-label");
  var count = document.getElementById("import-progress-count");
  var meter = box.querySelector("[role=progressbar]");

  function show(data) {
    if (label) { label.textContent = data.status_label; }
    if (count && data.total_rows) { count.textContent = data.done_rows + " / " + data.total_rows; }
    if (bar) { bar.style.width = (data.total_rows ? data.percent : 100) + "%"; }
    if (meter) { meter.setAttribute("aria-valuenow", String(data.percent)); }
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); } else { window.setTimeout(tick, 1000); }
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }

  window.setTimeout(tick, 1000);
})();
