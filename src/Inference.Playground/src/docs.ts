// The API reference at /docs: Swagger UI (loaded by the page as a global) over the service's own /openapi.json.
type SwaggerUIBundle = (options: Record<string, unknown>) => unknown;

declare global {
  interface Window {
    SwaggerUIBundle: SwaggerUIBundle;
  }
}

window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayRequestDuration: true,
  persistAuthorization: true,
  // The online validator badge would send the document to another host.
  validatorUrl: null,
});

export {};
