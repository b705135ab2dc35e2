// The survey slip's print button, and a printed page as long as the slip: a receipt roll is cut where the slip ends.
(function () {
  "use strict";
  const slip = document.getElementById("survey-slip");
  if (!slip) return;
  const button = document.getElementById("print-slip");
  if (button) button.addEventListener("click", function () { window.print(); });

  // A stylesheet built by script, not a <style> element: the Content-Security-Policy refuses inline styles.
  const pageSize = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, pageSize];
  window.addEventListener("beforeprint", function () {
    const style = getComputedStyle(slip);
    // On screen the slip is already 72 mm wide inside its padding, as on paper; 96 px make an inch.
    const inner = slip.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const length = Math.ceil(inner * 25.4 / 96) + 8;
    pageSize.replaceSync("@page { size: 80mm " + length + "mm; }");
  });
})();
