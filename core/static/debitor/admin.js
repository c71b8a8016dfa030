// Behaviour of every admin page, as a file: the Content-Security-Policy allows no inline handlers.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The language switch in the header submits as soon as a language is chosen.
  var language = document.getElementById("debitor-language");
  if (language) {
    language.addEventListener("change", function () { language.form.submit(); });
  }
});
