using Microsoft.AspNetCore.Http;

namespace Inference.Server.Errors;

/// <summary>Hand-off of an <see cref="ApiError"/> between the layer that raised it and the layer that writes it.</summary>
internal static class PendingError
{
    /// <summary>The <see cref="HttpContext.Items"/> key under which the request's error waits to be written.</summary>
    public static readonly object Key = new();
}
