using System.Buffers;
using Google.Api;
using Google.Protobuf;
using Mesh.Grpc;
using Xunit;

namespace Mesh.Grpc.Tests.Core;

/// <summary>
/// Marshallers round-trip both modern generated messages (IBufferMessage) and older ones such as
/// Google.Api.CommonProtos' HttpBody, which cannot write to a buffer writer.
/// </summary>
public sealed class MarshallerTests
{
    private static readonly HttpBody Body = new() { ContentType = "text/csv", Data = ByteString.CopyFromUtf8("a,b\n1,2\n") };

    [Fact]
    public void A_message_without_buffer_support_round_trips_through_the_generic_marshaller()
    {
        Assert.False(typeof(IBufferMessage).IsAssignableFrom(typeof(HttpBody))); // the case this guards: CommonProtos 2.0.0 predates IBufferMessage
        var marshaller = Marshallers.ForMessage(HttpBody.Parser);

        var bytes = marshaller.SerializeToArray(Body);

        Assert.Equal(Body.CalculateSize(), bytes.Length);
        Assert.Equal(Body, marshaller.Deserialize(new ReadOnlySequence<byte>(bytes)));
    }

    [Fact]
    public void A_message_without_buffer_support_round_trips_through_the_descriptor_marshaller()
    {
        var marshaller = Marshallers.ForMessage(HttpBody.Descriptor);

        var bytes = marshaller.SerializeToArray(Body);

        Assert.Equal(Body, marshaller.Deserialize(new ReadOnlySequence<byte>(bytes)));
    }

    [Fact]
    public void A_modern_message_round_trips_through_both_marshallers()
    {
        var timestamp = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 1_700_000_000, Nanos = 5 };
        Assert.True(typeof(IBufferMessage).IsAssignableFrom(typeof(Google.Protobuf.WellKnownTypes.Timestamp)));

        var generic = Marshallers.ForMessage(Google.Protobuf.WellKnownTypes.Timestamp.Parser);
        var byDescriptor = Marshallers.ForMessage(Google.Protobuf.WellKnownTypes.Timestamp.Descriptor);

        Assert.Equal(timestamp, generic.Deserialize(new ReadOnlySequence<byte>(generic.SerializeToArray(timestamp))));
        Assert.Equal(timestamp, byDescriptor.Deserialize(new ReadOnlySequence<byte>(byDescriptor.SerializeToArray(timestamp))));
    }
}
