// Starts Swagger UI on the API description; a separate file because the page's CSP forbids inline script.
const root = document.getElementById('swagger-ui');
window.SwaggerUIBundle({ url: root.dataset.spec, domNode: root, deepLinking: true });
