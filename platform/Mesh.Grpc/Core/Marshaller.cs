using System.Buffers;
using Google.Protobuf;

namespace Mesh.Grpc;

/// <summary>
/// Turns messages into bytes and back. Works on buffers so the hot path copies nothing it does
/// not have to.
/// </summary>
public sealed class Marshaller<T>
{
    private readonly Action<T, IBufferWriter<byte>> _serializer;
    private readonly Func<ReadOnlySequence<byte>, T> _deserializer;
    private readonly Func<T, int>? _calculateSize;

    public Marshaller(Action<T, IBufferWriter<byte>> serializer, Func<ReadOnlySequence<byte>, T> deserializer, Func<T, int>? calculateSize = null)
    {
        _serializer = serializer;
        _deserializer = deserializer;
        _calculateSize = calculateSize;
    }

    /// <summary>Byte-array style, as in Grpc.Core's Marshaller(Func, Func).</summary>
    public Marshaller(Func<T, byte[]> serializer, Func<byte[], T> deserializer)
        : this((m, w) => w.Write(serializer(m)), s => deserializer(s.ToArray()), null) { }

    public void Serialize(T message, IBufferWriter<byte> writer) => _serializer(message, writer);
    public T Deserialize(ReadOnlySequence<byte> payload) => _deserializer(payload);

    /// <summary>The serialized size if the marshaller can tell it cheaply, else -1.</summary>
    public int CalculateSize(T message) => _calculateSize?.Invoke(message) ?? -1;

    public byte[] SerializeToArray(T message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Serialize(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Factories for marshallers.</summary>
public static class Marshallers
{
    /// <summary>The marshaller for a protobuf message type (used by generated code).</summary>
    public static Marshaller<T> ForMessage<T>(MessageParser<T> parser) where T : IMessage<T> =>
        new((m, w) => m.WriteTo(w), parser.ParseFrom, m => m.CalculateSize());

    public static Marshaller<T> Create<T>(Func<T, byte[]> serializer, Func<byte[], T> deserializer) => new(serializer, deserializer);

    public static readonly Marshaller<string> StringMarshaller =
        new(s => System.Text.Encoding.UTF8.GetBytes(s), b => System.Text.Encoding.UTF8.GetString(b));
}
