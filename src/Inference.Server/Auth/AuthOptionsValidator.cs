using Inference.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Server.Auth;

/// <summary>Stops start-up on a public address with no key configured, with a message that says how to fix it.</summary>
internal sealed class AuthOptionsValidator(IOptions<HostingOptions> hosting) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
        AuthModes.Resolve(options, hosting.Value) == AuthMode.Refused
            ? ValidateOptionsResult.Fail(AuthModes.RefusalMessage(hosting.Value))
            : ValidateOptionsResult.Success;
}
