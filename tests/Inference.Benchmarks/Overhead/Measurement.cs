namespace Inference.Benchmarks.Overhead;

/// <summary>One timed run: units (calls or tokens) per second, calls completed, server CPU microseconds per unit.</summary>
internal sealed record Measurement(double Rate, long Calls, double CpuMicrosPerUnit);
