using Inference.Server.Hosting;

// The composition lives in InferenceServerHost so tests start exactly this server.
var app = InferenceServerHost.Build(InferenceServerHost.CreateBuilder(args));
await app.RunAsync().ConfigureAwait(false);
