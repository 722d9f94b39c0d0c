using Inference.Engine.Cuda.Weights;

namespace Inference.Engine.Cuda.Device;

/// <summary>cos and sin of every position × frequency, [context, head/2], computed once on the host the way
/// transformers computes them (float32 inverse frequencies, llama3 scaling when configured).</summary>
internal static class RotaryTables
{
    public static (float[] Cos, float[] Sin) Build(DecoderArchitecture a)
    {
        int half = a.HeadSize / 2;
        var inverse = new float[half];
        for (int i = 0; i < half; i++)
        {
            double frequency = 1.0 / Math.Pow(a.RopeTheta, 2.0 * i / a.HeadSize);
            inverse[i] = (float)(a.RopeScaling is { } scaling ? scaling.Scale(frequency) : frequency);
        }

        var cos = new float[a.ContextLength * half];
        var sin = new float[cos.Length];
        for (int position = 0; position < a.ContextLength; position++)
        {
            for (int i = 0; i < half; i++)
            {
                float angle = position * inverse[i];
                cos[(position * half) + i] = MathF.Cos(angle);
                sin[(position * half) + i] = MathF.Sin(angle);
            }
        }

        return (cos, sin);
    }
}
