namespace Inference.Engine.Cuda.Device;

/// <summary>How the device decoder is laid out and launched.</summary>
internal sealed record DeviceOptions
{
    /// <summary>Sequences that can hold a cache region at once (the scheduler's batch size).</summary>
    public required int Slots { get; init; }

    /// <summary>Threads that share one output row: the warp size on CUDA (shuffle reductions), 1 on the CPU
    /// accelerator (where every shuffle is a thread rendezvous); a power of two up to the warp size.</summary>
    public required int Lanes { get; init; }

    /// <summary>Most tokens one forward pass takes; longer prefills run in chunks. Null: up to 256, bounded so
    /// the attention score scratch stays under 256 MiB, and never below <see cref="Slots"/>.</summary>
    public int? ChunkTokens { get; init; }

    /// <summary>Store the weight matrices as float16 (half the bytes per decode step) instead of float32.</summary>
    public required bool HalfPrecision { get; init; }
}
