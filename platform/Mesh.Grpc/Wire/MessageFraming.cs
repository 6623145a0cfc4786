using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Mesh.Grpc.Wire;

/// <summary>
/// Length-prefixed messages on an HTTP/2 stream: a 1-byte compressed flag, a 4-byte big-endian
/// length, then the payload. Used by both the server (Kestrel's pipes) and the client (pipes over
/// HttpClient's streams). A message may span many DATA frames and a frame may hold many messages;
/// pipes make both cases the same.
/// </summary>
public static class MessageFraming
{
    /// <summary>
    /// Reads the next message. Returns false at a clean end of stream (between messages).
    /// A stream that ends inside a message is INTERNAL; a message over maxSize is RESOURCE_EXHAUSTED;
    /// a compressed message without a compressing encoding is INTERNAL.
    /// </summary>
    public static async ValueTask<(bool HasMessage, T Message)> ReadMessageAsync<T>(
        PipeReader reader, Marshaller<T> marshaller, string? encoding, int maxSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryParseFrame(ref buffer, encoding, maxSize, out var payload, out var compressed))
            {
                try
                {
                    T message;
                    if (compressed)
                    {
                        var plain = MessageCompression.Decompress(payload, encoding!, maxSize);
                        message = Deserialize(marshaller, new ReadOnlySequence<byte>(plain));
                    }
                    else
                    {
                        message = Deserialize(marshaller, payload);
                    }
                    return (true, message);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var leftover = result.Buffer.Length;
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCanceled) throw new OperationCanceledException(cancellationToken);
                if (leftover == 0) return (false, default!);
                throw new RpcException(new Status(StatusCode.Internal,
                    $"Incomplete message: the stream ended after {leftover} byte(s) of a length-prefixed message."));
            }

            // Not a whole message yet: consume nothing, mark everything examined, wait for more.
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>
    /// Tries to cut one whole message off the front of the buffer. On success, buffer is advanced past it.
    /// Throws as soon as the header shows a message that may not be accepted.
    /// </summary>
    public static bool TryParseFrame(ref ReadOnlySequence<byte> buffer, string? encoding, int maxSize,
                                     out ReadOnlySequence<byte> payload, out bool compressed)
    {
        payload = default;
        compressed = false;
        if (buffer.Length < GrpcProtocol.HeaderSize) return false;

        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        var flag = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);

        if (flag > 1)
            throw new RpcException(new Status(StatusCode.Internal, $"Invalid message header: compressed flag is {flag}, expected 0 or 1."));
        if (length > (uint)maxSize)
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Received message larger than max ({length} vs. {maxSize})."));
        compressed = flag == 1;
        if (compressed && !MessageCompression.IsCompressing(encoding))
            throw new RpcException(new Status(StatusCode.Internal,
                "Received a compressed message but the call's grpc-encoding is identity or absent."));

        if (buffer.Length < GrpcProtocol.HeaderSize + length) return false;
        payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>
    /// Writes one message into the writer (not flushed). Uncompressed messages whose size the marshaller
    /// knows are serialized straight into the pipe with no intermediate buffer.
    /// </summary>
    public static void WriteMessage<T>(PipeWriter writer, T message, Marshaller<T> marshaller, string? compression, int maxSendSize)
    {
        var compress = MessageCompression.IsCompressing(compression);
        var size = compress ? -1 : marshaller.CalculateSize(message);
        if (size >= 0)
        {
            CheckSendSize(size, maxSendSize);
            WriteHeader(writer, compressed: false, size);
            if (size > 0) marshaller.Serialize(message, writer);
            return;
        }

        var scratch = new ArrayBufferWriter<byte>();
        marshaller.Serialize(message, scratch);
        CheckSendSize(scratch.WrittenCount, maxSendSize);
        if (compress)
        {
            var packed = MessageCompression.Compress(scratch.WrittenSpan, compression!);
            WriteHeader(writer, compressed: true, packed.Length);
            writer.Write(packed);
        }
        else
        {
            WriteHeader(writer, compressed: false, scratch.WrittenCount);
            writer.Write(scratch.WrittenSpan);
        }
    }

    public static void WriteHeader(IBufferWriter<byte> writer, bool compressed, int length)
    {
        var span = writer.GetSpan(GrpcProtocol.HeaderSize);
        span[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
        writer.Advance(GrpcProtocol.HeaderSize);
    }

    private static void CheckSendSize(int size, int maxSendSize)
    {
        if (size > maxSendSize)
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({size} vs. {maxSendSize})."));
    }

    private static T Deserialize<T>(Marshaller<T> marshaller, ReadOnlySequence<byte> payload)
    {
        try
        {
            return marshaller.Deserialize(payload);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize message.", ex));
        }
    }
}
