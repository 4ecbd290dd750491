// Kept out of the page so that a strict Content-Security-Policy can forbid inline scripts.
window.onload = function () {
  var spec = document.currentScript || document.querySelector("script[data-spec]");
  window.ui = SwaggerUIBundle({ url: spec.getAttribute("data-spec"), dom_id: "#swagger-ui" });
};
