using System.Text;
using System.Text.Json;
using Google.Rpc;
using Grpc.Net.Client;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// U+0000 in any request string — a path variable, a query parameter, a JSON body, a protobuf message; nested, in a
/// list or in a map — is refused before the handler runs: INVALID_ARGUMENT over gRPC, 400 over REST, naming the field
/// by its JSON path. A database would otherwise fail the statement and the caller would get a 500.
/// </summary>
public sealed class NulCharacterTests(RestProbeHost host) : IClassFixture<RestProbeHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string?, string> RestCases => new()
    {
        { "/v1/echo/x?tags=ok&tags=a%00", null, "tags[1]" },
        { "/v1/echo/x?inner.deeper.note=%00", null, "inner.deeper.note" },
        { "/v1/echo", "{\"maybeText\":\"\\u0000\"}", "maybeText" },
        { "/v1/echo", "{\"labels\":{\"k\":\"v\\u0000\"}}", "labels[\"k\"]" },
        { "/v1/echo", "{\"labels\":{\"k\\u0000\":\"v\"}}", "labels[\"k\\u0000\"]" },
        { "/v1/echo", "{\"inners\":[{},{\"deeper\":{\"note\":\"\\u0000\"}}]}", "inners[1].deeper.note" },
        { "/v1/shelves/1/books", "{\"authors\":[\"Keats\",\"\\u0000\"]}", "book.authors[1]" },
    };

    [Theory]
    [MemberData(nameof(RestCases))]
    public async Task A_nul_in_a_rest_request_is_a_400_naming_the_field(string path, string? body, string field)
    {
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await host.Http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(400 == (int)response.StatusCode, text);
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(3, json.GetProperty("code").GetInt32());
        Assert.Contains("NUL", json.GetProperty("message").GetString());
        var violation = Assert.Single(json.GetProperty("details").EnumerateArray()).GetProperty("fieldViolations")[0];
        Assert.Equal(field, violation.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_nul_in_the_url_path_is_refused_by_kestrel_before_any_handler()
    {
        // Kestrel itself rejects a path that decodes to U+0000 (a malformed request line): 400, never a handler.
        var response = await host.Http.GetAsync("/v1/echo/a%00b", Ct);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_nul_in_a_grpc_request_is_invalid_argument_naming_the_field()
    {
        using var channel = GrpcChannel.ForAddress(host.Service.GrpcAddress);
        var client = new RestProbe.RestProbeClient(channel);
        var request = new EchoMessage { Inners = { new Inner(), new Inner { Deeper = new Deeper { Note = "a\0b" } } } };

        var error = await Assert.ThrowsAsync<RpcException>(() => client.EchoAsync(request, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var badRequest = error.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Equal("inners[1].deeper.note", Assert.Single(badRequest.FieldViolations).Field);
    }

    [Fact]
    public async Task Text_without_nul_passes()
    {
        using var channel = GrpcChannel.ForAddress(host.Service.GrpcAddress);
        var client = new RestProbe.RestProbeClient(channel);
        var echo = await client.EchoAsync(new EchoMessage { Id = "a\u0001b", Labels = { ["k"] = "\u00e9" } }, cancellationToken: Ct);
        Assert.Equal("a\u0001b", echo.Id);
    }
}
