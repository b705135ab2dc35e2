// Progress bars take their width from data-percent: the Content-Security-Policy refuses style
// attributes, while a script may still set a style. The job page swaps in a new bar every second.
(function () {
  "use strict";
  function fill(root) {
    root.querySelectorAll(".progress-bar[data-percent]").forEach(function (bar) {
      bar.style.width = bar.dataset.percent + "%";
    });
  }
  fill(document);
  document.addEventListener("htmx:load", function (event) { fill(event.target); });
})();
