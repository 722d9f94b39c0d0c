// The gRPC-Web client of the service, carrying the API key the user typed (if any) on every call.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { InferenceService } from "../gen/inference/v1/inference_service_pb";

export type InferenceClient = Client<typeof InferenceService>;

// Read at each call rather than captured once, so a key typed after the page loaded is used at once.
function bearer(apiKey: () => string): Interceptor {
  return (next) => async (request) => {
    const key = apiKey().trim();
    if (key.length > 0) {
      request.header.set("Authorization", `Bearer ${key}`);
    }
    return next(request);
  };
}

export function createInferenceClient(baseUrl: string, apiKey: () => string): InferenceClient {
  return createClient(InferenceService, createGrpcWebTransport({ baseUrl, interceptors: [bearer(apiKey)] }));
}
