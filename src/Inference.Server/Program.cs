using Inference.Server.Auth;
using Inference.Server.Hosting;

// `inference keys create|list|revoke ...` manages API keys in the configured key store, then exits.
if (args.Length > 0 && args[0] == KeysCommandLine.Command)
{
    return KeysCommandLine.Run(args);
}

// The composition lives in InferenceServerHost so tests start exactly this server.
var app = InferenceServerHost.Build(InferenceServerHost.CreateBuilder(args));
await app.RunAsync().ConfigureAwait(false);
return 0;
