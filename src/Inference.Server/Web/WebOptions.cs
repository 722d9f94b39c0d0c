namespace Inference.Server.Web;

/// <summary>Where the built playground and API reference are (configuration section <c>Inference:Web</c>).</summary>
public sealed class WebOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inference:Web";

    /// <summary>The folder <c>npm run build</c> in src/Inference.Playground wrote (its <c>dist/</c>, which the build
    /// copies beside the binary as <c>web/</c>). Empty: that <c>web/</c> folder.</summary>
    public string Root { get; set; } = string.Empty;
}
