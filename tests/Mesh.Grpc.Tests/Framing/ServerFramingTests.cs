using System.Text;
using Mesh.Grpc.Tests.Server.Support;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;

namespace Mesh.Grpc.Tests.Framing;

/// <summary>
/// How the server cuts length-prefixed messages out of HTTP/2 DATA frames, driven by a raw HttpClient:
/// frame boundaries must not matter, and malformed or oversize input must end in a status, not a hang.
/// </summary>
public sealed class ServerFramingTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await GrpcTestServer.StartAsync(o =>
        {
            o.MaxReceiveMessageSize = 64 * 1024;
            o.MaxSendMessageSize = 32 * 1024;
        });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<GrpcReply> Send(IMethod method, HttpContent content) =>
        RawGrpc.SendAsync(_server.Client, RawGrpc.Request(method.FullName, content));

    [Fact]
    public async Task A_message_split_across_many_data_frames_is_reassembled()
    {
        var text = string.Concat(Enumerable.Range(0, 600).Select(i => (char)('a' + i % 26)));
        var frame = RawGrpc.Frame(text);

        // 7-byte pieces, each flushed: the 5-byte header itself is split, and the payload spans ~90 DATA frames.
        var reply = await Send(M.EchoMethod, ChunkedContent.Split(frame, 7));

        Assert.Equal(0, reply.Status);
        Assert.Equal([text], reply.Texts);
    }

    [Fact]
    public async Task Single_byte_data_frames_are_reassembled()
    {
        var reply = await Send(M.EchoMethod, ChunkedContent.Split(RawGrpc.Frame("byte by byte"), 1));

        Assert.Equal(0, reply.Status);
        Assert.Equal(["byte by byte"], reply.Texts);
    }

    [Fact]
    public async Task Several_messages_in_one_data_frame_are_all_read()
    {
        var oneChunk = RawGrpc.Frame("a").Concat(RawGrpc.Frame("bb")).Concat(RawGrpc.Frame("ccc")).ToArray();

        var reply = await Send(M.CollectMethod, new ChunkedContent(oneChunk));

        Assert.Equal(0, reply.Status);
        Assert.Equal(["3:1,2,3"], reply.Texts);
    }

    [Fact]
    public async Task Messages_straddling_frame_boundaries_are_all_read()
    {
        var body = RawGrpc.Frame("first").Concat(RawGrpc.Frame("second")).Concat(RawGrpc.Frame("third")).ToArray();

        // Chunk edges fall inside headers and payloads of different messages.
        var reply = await Send(M.CollectMethod, ChunkedContent.Split(body, 4));

        Assert.Equal(["3:5,6,5"], reply.Texts);
    }

    [Fact]
    public async Task A_zero_length_message_is_a_message()
    {
        var unary = await Send(M.EchoMethod, new ChunkedContent(RawGrpc.Frame(Array.Empty<byte>())));
        Assert.Equal(0, unary.Status);
        var message = Assert.Single(unary.Messages);
        Assert.Empty(message.Payload);

        var streamed = await Send(M.CollectMethod, new ChunkedContent(RawGrpc.Frame(""), RawGrpc.Frame("x"), RawGrpc.Frame("")));
        Assert.Equal(["3:0,1,0"], streamed.Texts);
    }

    [Fact]
    public async Task A_stream_ending_inside_a_message_is_internal_not_a_hang()
    {
        var frame = RawGrpc.Frame("0123456789");
        var truncated = frame.AsSpan(0, 8).ToArray(); // header says 10 bytes, 3 arrive, then END_STREAM

        var unary = await Send(M.EchoMethod, new ChunkedContent(truncated));
        Assert.Equal((int)StatusCode.Internal, unary.Status);
        Assert.Empty(unary.Messages);

        var streaming = await Send(M.CollectMethod, new ChunkedContent(RawGrpc.Frame("ok"), truncated));
        Assert.Equal((int)StatusCode.Internal, streaming.Status);
    }

    [Fact]
    public async Task A_stream_ending_inside_the_header_is_internal()
    {
        var reply = await Send(M.EchoMethod, new ChunkedContent(new byte[] { 0, 0, 0 }));

        Assert.Equal((int)StatusCode.Internal, reply.Status);
    }

    [Fact]
    public async Task An_oversize_message_is_resource_exhausted()
    {
        var big = RawGrpc.Frame(new byte[64 * 1024 + 1]);

        var reply = await Send(M.EchoMethod, ChunkedContent.Split(big, 16 * 1024));

        Assert.Equal((int)StatusCode.ResourceExhausted, reply.Status);
        Assert.True(reply.IsTrailersOnly);
    }

    [Fact]
    public async Task A_message_of_exactly_the_limit_is_accepted()
    {
        var payload = Encoding.ASCII.GetBytes(new string('x', 20 * 1024));
        var reply = await Send(M.EchoMethod, new ChunkedContent(RawGrpc.Frame(payload)));

        Assert.Equal(0, reply.Status);
        Assert.Equal(payload.Length, reply.Messages.Single().Payload.Length);
    }

    [Fact]
    public async Task A_compressed_message_that_inflates_past_the_limit_is_resource_exhausted()
    {
        var bomb = RawGrpc.Gzip(new byte[1024 * 1024]); // ~1 KB on the wire, 1 MB inflated
        var request = RawGrpc.Request(M.EchoMethod.FullName, new ChunkedContent(RawGrpc.Frame(bomb, compressed: true)),
            "application/grpc", ("grpc-encoding", "gzip"));

        var reply = await RawGrpc.SendAsync(_server.Client, request, TestContext.Current.CancellationToken);

        Assert.Equal((int)StatusCode.ResourceExhausted, reply.Status);
    }

    [Fact]
    public async Task A_response_over_the_send_limit_is_resource_exhausted()
    {
        var reply = await Send(M.EchoMethod, new ChunkedContent(RawGrpc.Frame(new byte[40 * 1024])));

        Assert.Equal((int)StatusCode.ResourceExhausted, reply.Status);
        Assert.Empty(reply.Messages);
    }

    [Fact]
    public async Task A_unary_call_without_a_request_message_is_internal()
    {
        var reply = await Send(M.EchoMethod, new ChunkedContent());

        Assert.Equal((int)StatusCode.Internal, reply.Status);
    }

    [Fact]
    public async Task A_unary_call_with_two_request_messages_is_internal()
    {
        var reply = await Send(M.EchoMethod, new ChunkedContent(RawGrpc.Frame("one"), RawGrpc.Frame("two")));

        Assert.Equal((int)StatusCode.Internal, reply.Status);
        Assert.Empty(reply.Messages);
    }

    [Fact]
    public async Task A_compressed_flag_without_grpc_encoding_is_internal()
    {
        var reply = await Send(M.EchoMethod, new ChunkedContent(RawGrpc.Frame(RawGrpc.Gzip("hi"u8.ToArray()), compressed: true)));

        Assert.Equal((int)StatusCode.Internal, reply.Status);
    }

    [Fact]
    public async Task An_invalid_compressed_flag_is_internal()
    {
        var frame = RawGrpc.Frame("x");
        frame[0] = 7;

        var reply = await Send(M.EchoMethod, new ChunkedContent(frame));

        Assert.Equal((int)StatusCode.Internal, reply.Status);
    }

    [Fact]
    public async Task A_protobuf_message_is_serialized_straight_into_the_response()
    {
        var request = new Google.Protobuf.WellKnownTypes.StringValue { Value = "proto path" };
        var reply = await Send(M.EchoProtoMethod, new ChunkedContent(RawGrpc.Frame(Google.Protobuf.MessageExtensions.ToByteArray(request))));

        Assert.Equal(0, reply.Status);
        Assert.Equal("proto path", Google.Protobuf.WellKnownTypes.StringValue.Parser.ParseFrom(reply.Messages.Single().Payload).Value);
    }
}
