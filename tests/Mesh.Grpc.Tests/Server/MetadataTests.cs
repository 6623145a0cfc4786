using Mesh.Grpc.Tests.Server.Support;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;

namespace Mesh.Grpc.Tests.Server;

/// <summary>Custom metadata in (ASCII and -bin, padded or not) and out (response headers and trailers).</summary>
public sealed class MetadataTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await GrpcTestServer.StartAsync();
    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static readonly (string, string)[] RequestMetadata =
    [
        ("x-text", "hello world"),
        ("x-padded-bin", "AQIDBAU="),   // 01 02 03 04 05 with padding
        ("x-unpadded-bin", "AQIDBAU"),  // the same bytes without padding
    ];

    [Fact]
    public async Task Metadata_round_trips_into_headers_sent_with_the_first_message_and_trailers()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.MetadataMethod.FullName, RawGrpc.Frame("auto"), RequestMetadata);

        Assert.Equal(0, reply.Status);
        Assert.Equal("hello world", reply.Trailers["trailer-x-text"]);
        Assert.Equal([1, 2, 3, 4, 5], Decode(reply.Trailers["trailer-x-padded-bin"]));
        Assert.Equal([1, 2, 3, 4, 5], Decode(reply.Trailers["trailer-x-unpadded-bin"]));
        Assert.False(reply.Headers.ContainsKey("echo-x-text")); // only sent when the handler writes headers
    }

    [Fact]
    public async Task Response_headers_written_explicitly_arrive_as_headers()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.MetadataMethod.FullName, RawGrpc.Frame("headers-first"), RequestMetadata);

        Assert.Equal(0, reply.Status);
        Assert.Equal("hello world", reply.Headers["echo-x-text"]);
        Assert.Equal("AQIDBAU", reply.Headers["echo-x-padded-bin"]); // emitted unpadded, as the spec recommends
        Assert.Equal([1, 2, 3, 4, 5], Decode(reply.Headers["echo-x-unpadded-bin"]));
        Assert.Equal("hello world", reply.Trailers["trailer-x-text"]);
    }

    [Fact]
    public async Task Duplicate_binary_headers_joined_by_commas_are_split_before_decoding()
    {
        var request = RawGrpc.Request(M.MetadataMethod.FullName, new ChunkedContent(RawGrpc.Frame("auto")), "application/grpc", ("x-multi-bin", "AQ,AgM="));

        var reply = await RawGrpc.SendAsync(_server.Client, request, TestContext.Current.CancellationToken);

        // Two entries come back as two trailer fields, which HttpClient shows joined.
        var values = reply.Trailers["trailer-x-multi-bin"].Split(',').Select(v => v.Trim()).ToArray();
        Assert.Equal(2, values.Length);
        Assert.Equal([1], Decode(values[0]));
        Assert.Equal([2, 3], Decode(values[1]));
    }

    [Fact]
    public async Task Reserved_headers_are_not_surfaced_as_metadata()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.MetadataMethod.FullName, RawGrpc.Frame("auto"),
            ("x-visible", "1"), ("grpc-timeout", "10S"));

        Assert.Equal("1", reply.Trailers["trailer-x-visible"]);
        var keys = reply.Trailers["request-keys"].Split(',');
        Assert.Contains("x-visible", keys);
        Assert.DoesNotContain(keys, k => k is "grpc-timeout" or "te" or "content-type" or "host" || k.StartsWith(':'));
    }

    private static byte[] Decode(string base64) => Convert.FromBase64String(base64.PadRight((base64.Length + 3) / 4 * 4, '='));
}
