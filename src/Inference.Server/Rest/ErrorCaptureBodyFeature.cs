using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Inference.Server.Rest;

/// <summary>
/// A response body that passes successful responses straight through and holds back error responses (status of
/// 400 or more at the first write), so <see cref="OpenAiErrorMiddleware"/> can replace them. The decision is made
/// once, at the first write, start or flush: by then the status is final.
/// </summary>
internal sealed class ErrorCaptureBodyFeature(IHttpResponseBodyFeature inner, HttpResponse response)
    : Stream, IHttpResponseBodyFeature
{
    private MemoryStream? _captured;
    private bool _decided;
    private PipeWriter? _writer;

    /// <summary>The error body written below, if any.</summary>
    public ReadOnlyMemory<byte> Captured =>
        _captured is null ? ReadOnlyMemory<byte>.Empty : _captured.GetBuffer().AsMemory(0, (int)_captured.Length);

    Stream IHttpResponseBodyFeature.Stream => this;

    PipeWriter IHttpResponseBodyFeature.Writer => Decide() ? _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true)) : inner.Writer;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>True when the response is an error and is being held back.</summary>
    private bool Decide()
    {
        if (!_decided)
        {
            _decided = true;
            if (response.StatusCode >= StatusCodes.Status400BadRequest)
            {
                _captured = new MemoryStream();
            }
        }

        return _captured is not null;
    }

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) =>
        Decide() ? Task.CompletedTask : inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        inner.SendFileAsync(path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync().ConfigureAwait(false);
        }

        if (!Decide())
        {
            await inner.CompleteAsync().ConfigureAwait(false);
        }
    }

    public override void Flush()
    {
        if (!Decide())
        {
            inner.Stream.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        Decide() ? Task.CompletedTask : inner.Stream.FlushAsync(cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Decide())
        {
            _captured!.Write(buffer);
        }
        else
        {
            inner.Stream.Write(buffer);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Decide())
        {
            _captured!.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        return inner.Stream.WriteAsync(buffer, cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
