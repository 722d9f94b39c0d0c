using System.Runtime.InteropServices;
using FluentValidation;
using Google.Protobuf.WellKnownTypes;
using Inference.Contracts.V1;
using Inference.Engine;
using Inference.Server.Auth;
using Inference.Server.Errors;
using Inference.Server.Validation;

namespace Inference.Server.Services;

/// <summary>Embeddings: inputs of every OpenAI shape to the engine, vectors back as floats or base64.</summary>
internal sealed class EmbeddingsHandler(ModelResolver models, IValidator<GetEmbeddingsRequest> validator)
{
    public async Task<GetEmbeddingsResponse> EmbedAsync(GetEmbeddingsRequest request, CallerAccess access, CancellationToken cancellationToken)
    {
        RequestValidation.ThrowIfInvalid(validator, request);
        access.RequireModel(request.Model);
        var model = models.Embedding(request.Model);
        var dimensions = request.HasDimensions ? request.Dimensions : model.Dimensions;
        if (dimensions > model.Dimensions)
        {
            throw new ApiException(ApiError.InvalidParam(
                "dimensions", $"dimensions may be at most {model.Dimensions} for model '{model.Info.Id}'; got {dimensions}."));
        }

        var inputs = Inputs(request.Input);
        using var lease = await access.AdmitAsync(MostTokens(inputs, model.MaxInputTokens), cancellationToken).ConfigureAwait(false);
        EmbeddingResult result;
        try
        {
            result = await model.EmbedAsync(inputs, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Refused or failed: nothing was computed, so nothing is charged.
            lease.ReportUsage(0);
            throw;
        }

        lease.ReportUsage(result.PromptTokens);
        var base64 = request.EncodingFormat == "base64";
        var response = new GetEmbeddingsResponse
        {
            Object = "list",
            Model = model.Info.Id,
            Usage = new EmbeddingUsage { PromptTokens = result.PromptTokens, TotalTokens = result.PromptTokens },
        };
        for (var i = 0; i < result.Vectors.Count; i++)
        {
            var vector = Resize(result.Vectors[i], dimensions);
            response.Data.Add(new Embedding { Object = "embedding", Index = i, Embedding_ = base64 ? Base64(vector) : Floats(vector) });
        }

        return response;
    }

    /// <summary>
    /// The tokens the inputs can take at most, for admission before the model tokenizes them: a WordPiece token covers
    /// at least one character, plus the two special tokens, and no input may exceed the model's maximum. The lease is
    /// corrected to the real count.
    /// </summary>
    private static int MostTokens(List<EmbeddingInput> inputs, int maxInputTokens)
    {
        long tokens = 0;
        foreach (var input in inputs)
        {
            tokens += input.TokenIds?.Count ?? Math.Min((input.Text?.Length ?? 0) + 2, maxInputTokens);
        }

        return (int)Math.Min(tokens, int.MaxValue);
    }

    /// <summary>Matryoshka-style shortening: keep the first dimensions, then normalise again to unit length.</summary>
    private static float[] Resize(float[] vector, int dimensions)
    {
        if (dimensions >= vector.Length)
        {
            return vector;
        }

        var shorter = vector.AsSpan(0, dimensions).ToArray();
        var sum = 0d;
        foreach (var x in shorter)
        {
            sum += (double)x * x;
        }

        if (sum > 0)
        {
            var scale = (float)(1 / Math.Sqrt(sum));
            for (var i = 0; i < shorter.Length; i++)
            {
                shorter[i] *= scale;
            }
        }

        return shorter;
    }

    /// <summary>Little-endian float32 bytes, as the OpenAI SDKs decode them.</summary>
    private static Value Base64(float[] vector)
    {
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(vector.AsSpan());
        if (!BitConverter.IsLittleEndian)
        {
            var swapped = new byte[bytes.Length];
            for (var i = 0; i < vector.Length; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(swapped.AsSpan(i * 4), vector[i]);
            }

            bytes = swapped;
        }

        return Value.ForString(Convert.ToBase64String(bytes));
    }

    private static Value Floats(float[] vector)
    {
        var list = new ListValue();
        foreach (var x in vector)
        {
            list.Values.Add(Value.ForNumber(x));
        }

        return new Value { ListValue = list };
    }

    /// <summary>OpenAI's input union (shape validated): a string, strings, token ids, or token-id lists.</summary>
    private static List<EmbeddingInput> Inputs(Value input)
    {
        if (input.KindCase == Value.KindOneofCase.StringValue)
        {
            return [new EmbeddingInput { Text = input.StringValue }];
        }

        var items = input.ListValue.Values;
        if (items[0].KindCase == Value.KindOneofCase.NumberValue)
        {
            return [new EmbeddingInput { TokenIds = TextCompletionHandler.TokenIds(items) }];
        }

        var inputs = new List<EmbeddingInput>(items.Count);
        foreach (var item in items)
        {
            inputs.Add(item.KindCase == Value.KindOneofCase.StringValue
                ? new EmbeddingInput { Text = item.StringValue }
                : new EmbeddingInput { TokenIds = TextCompletionHandler.TokenIds(item.ListValue.Values) });
        }

        return inputs;
    }
}
