using Grpc.Core;
using Inference.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Benchmarks.Overhead;

/// <summary>
/// The best the service could be: a bare grpc-dotnet unary service and a bare minimal-API endpoint that answer with
/// the real server's own response (protobuf and JSON bytes captured from it), with the same hosting defaults
/// (<c>WebApplication.CreateBuilder</c>, Kestrel, HTTP/1.1 on one port and h2c on another). Runs as a child process
/// of the overhead suite: <c>Inference.Benchmarks baseline-server httpPort grpcPort response.pb response.json</c>.
/// </summary>
internal static class BaselineServer
{
    public const string Command = "baseline-server";

    /// <summary>The real server's garbage collector: server GC, the Web SDK's default, which this console binary (kept
    /// on workstation GC for the micro-benchmarks) does not have. Measured on the overhead suite's single core, the
    /// two modes served the same rate (five alternating rounds, median ratio 1.0), but the sides should not differ
    /// in it.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" };

    public static async Task<int> RunAsync(string[] args)
    {
        int httpPort = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
        int grpcPort = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var response = ChatCompleteResponse.Parser.ParseFrom(await File.ReadAllBytesAsync(args[2]).ConfigureAwait(false));
        byte[] json = await File.ReadAllBytesAsync(args[3]).ConfigureAwait(false);

        var builder = WebApplication.CreateBuilder([]);
        // The log levels of ASP.NET Core's templates (their appsettings.json), so neither side pays for per-request
        // framework logs. The real server also turns hosting's diagnostics logger off (InferenceServerHost's
        // DefaultLogLevels): that is the service's own choice, so the bare service keeps the framework's default.
        builder.Configuration.AddInMemoryCollection(TemplateLogLevels);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, httpPort, l => l.Protocols = HttpProtocols.Http1);
            kestrel.Listen(System.Net.IPAddress.Loopback, grpcPort, l => l.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new FixedChatService(response));
        var app = builder.Build();
        app.MapGrpcService<FixedChatService>();
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            // Read the body as any real endpoint must, then answer with the same bytes the service sent.
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted).ConfigureAwait(false);
            return Results.Bytes(json, "application/json; charset=utf-8");
        });
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    private static readonly Dictionary<string, string?> TemplateLogLevels = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    /// <summary>Answers every ChatComplete with one prepared message of the real response's size.</summary>
    internal sealed class FixedChatService(ChatCompleteResponse response) : InferenceService.InferenceServiceBase
    {
        public override Task<ChatCompleteResponse> ChatComplete(ChatCompleteRequest request, ServerCallContext context) =>
            Task.FromResult(response);
    }
}
