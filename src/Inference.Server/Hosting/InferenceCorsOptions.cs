namespace Inference.Server.Hosting;

/// <summary>Which browser origins may call the service cross-origin (configuration section <c>Inference:Cors</c>).</summary>
public sealed class InferenceCorsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inference:Cors";

    /// <summary>Origins such as <c>https://app.example.com</c>, or <c>*</c> for any. Empty by default: same-origin only.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>An origin is a scheme, a host and an optional port, nothing more; a trailing slash is forgiven.</summary>
    internal static bool IsValidOrigin(string origin)
    {
        var trimmed = origin.Trim().TrimEnd('/');
        return trimmed == "*"
            || (Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
                && uri.Scheme is "http" or "https"
                && uri.PathAndQuery == "/"
                && string.IsNullOrEmpty(uri.Fragment)
                && string.IsNullOrEmpty(uri.UserInfo));
    }
}
