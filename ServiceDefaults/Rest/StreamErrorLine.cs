using System.Buffers;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Keeps the public form of an error in the middle of a REST stream: one last line <c>{"error":{code,message,details}}</c>
/// after the messages already sent, which a client tells from a message line by its one "error" property. The JSON
/// transcoder writes the bare Status on that line instead, whose shape a message could share. For a server-streaming
/// route this middleware puts a <see cref="Capture"/> in front of the response body; <see cref="StreamErrorInterceptor"/>
/// tells it when the method has failed, and what the transcoder writes after that is the Status, wrapped here.
/// A method that fails before its first message keeps the transcoder's ordinary error answer (HTTP status and body).
/// </summary>
public sealed class StreamErrorLine(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not { MethodDescriptor.IsServerStreaming: true })
        {
            await next(context);
            return;
        }
        var original = context.Response.Body;
        var capture = new Capture(original);
        context.Features.Set(capture);
        context.Response.Body = capture;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        if (capture.StatusLine is { Length: > 0 } status)
        {
            await original.WriteAsync("{\"error\":"u8.ToArray(), context.RequestAborted);
            await original.WriteAsync(status.AsMemory().TrimEnd((byte)'\n'), context.RequestAborted);
            await original.WriteAsync("}\n"u8.ToArray(), context.RequestAborted);
            await original.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>The response body of a streaming REST call: passes messages through, holds back the Status line after a failure.</summary>
    public sealed class Capture(Stream inner) : Stream
    {
        private bool _wroteMessages;
        private ArrayBufferWriter<byte>? _status;

        /// <summary>What the transcoder wrote after the method failed mid-stream (the Status JSON), or null.</summary>
        public byte[]? StatusLine => _status?.WrittenSpan.ToArray();

        /// <summary>The method threw: from now on the transcoder writes the Status, if messages went out before it.</summary>
        public void MethodFailed()
        {
            if (_wroteMessages) _status ??= new ArrayBufferWriter<byte>();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_status is not null) { _status.Write(buffer); return; }
            if (!buffer.IsEmpty) _wroteMessages = true;
            inner.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_status is not null) { _status.Write(buffer.Span); return ValueTask.CompletedTask; }
            if (!buffer.IsEmpty) _wroteMessages = true;
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
            if (_status is null) inner.Flush();
        }

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            _status is null ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
