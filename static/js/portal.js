/* Small behaviours every page shares, kept out of the HTML so the Content-Security-Policy can forbid inline
   scripts and inline style attributes:
   - [data-autosubmit]: a select that submits its form when changed (the language menu);
   - [data-print]: a button that prints the page (receipts and notices);
   - [data-width="NN"]: a bar whose width (NN %) the server computed (progress and spending bars). */
(function () {
  "use strict";
  function apply(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      var value = parseFloat(el.getAttribute("data-width"));
      if (!isNaN(value)) { el.style.width = Math.max(0, Math.min(100, value)) + "%"; }
    });
  }
  document.addEventListener("click", function (event) {
    var el = event.target && event.target.closest ? event.target.closest("[data-print]") : null;
    if (el) { window.print(); }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { apply(document); });
  } else {
    apply(document);
  }
})();
