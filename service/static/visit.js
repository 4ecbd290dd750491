// 入户排查: each indicator's verdict shown as the surveyor types, judged by the table the server judges with (the
// form's data-limits: per indicator, whether more or less is better and its met and basic bounds); a blank field
// shows the verdict of the value the server will take from the records.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  var texts = document.getElementById("verdict-texts");
  if (!form || !texts) return;
  var limits = JSON.parse(form.dataset.limits);
  var words = JSON.parse(texts.textContent);

  function value(name) {
    var field = form.elements[name];
    var text = (field.value || "").trim().replace(/[\uFF10-\uFF19\uFF0E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);  // full-width digits, as a Chinese keyboard types them
    });
    if (text === "") text = field.dataset.default || "";
    var number = text === "" ? NaN : Number(text);
    return isNaN(number) || number < 0 ? null : number;
  }

  function judged(number, row) {
    if (number === null) return null;
    var sign = row.better === "at_least" ? 1 : -1;
    return sign * number >= sign * row.met ? "met" : sign * number >= sign * row.basic ? "basic" : "failed";
  }

  function judge() {
    var quality = form.elements.quality.value || form.elements.quality.dataset.default || null;
    var verdicts = {
      quantity: judged(value("liters_per_person_day"), limits.quantity),
      quality: quality,
      convenience: form.elements.piped.checked ? "met" : judged(value("round_trip_minutes"), limits.convenience),
      assurance: judged(value("assurance_percent"), limits.assurance)
    };
    var known = [];
    Object.keys(verdicts).forEach(function (name) {
      var out = form.querySelector('[data-verdict-for="' + name + '"]');
      var verdict = verdicts[name];
      out.textContent = verdict ? words.verdict[verdict] : "";
      out.className = "verdict " + (verdict || "");
      if (verdict) known.push(verdict);
    });
    var result = document.getElementById("visit-result");
    var all = known.length === 4;
    var code = known.indexOf("failed") >= 0 ? "unsafe" : !all ? null :
      known.every(function (v) { return v === "met"; }) ? "safe" : "basic";
    result.hidden = !code;
    result.querySelector("[data-result]").textContent = code ? words.result[code] : "";
    result.className = "verdict-result " + (code || "");
  }

  form.addEventListener("input", judge);
  form.addEventListener("change", judge);
  judge();
})();
