// The dossier form offers catalogue procedures while typing; any other text is kept as written.
(function () {
  "use strict";
  const input = document.getElementById("id_procedure");
  const options = document.getElementById("procedure-options");
  if (!input || !options) return;
  const unit = document.getElementById("id_unit");
  let timer = null;
  let asked = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const text = input.value.trim();
      if (text.length < 2 || text === asked) return;
      asked = text;
      const code = unit ? unit.value : input.dataset.unit;
      const url = input.dataset.suggestUrl + "?" + new URLSearchParams({ unit: code, q: text });
      try {
        const reply = await fetch(url, { headers: { "Accept": "application/json" } });
        if (!reply.ok) return;
        const { results } = await reply.json();
        options.replaceChildren(...results.map(function (procedure) {
          const option = document.createElement("option");
          option.value = procedure.name;
          option.label = [procedure.code, procedure.field].filter(Boolean).join(" · ");
          return option;
        }));
      } catch (error) {
        // Offline or slow: the field still takes free text.
      }
    }, 200);
  });
})();
