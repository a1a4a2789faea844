// Starts Swagger UI on the API page (kept in a file: the Content-Security-Policy forbids inline scripts).
"use strict";
(function () {
  const target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: target.dataset.openapiUrl,
    domNode: target,
    deepLinking: true,
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: true,
  });
})();
