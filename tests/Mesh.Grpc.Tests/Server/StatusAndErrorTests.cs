using System.Net;
using Google.Rpc;
using Mesh.Grpc.Tests.Server.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;
using StatusCode = Mesh.Grpc.StatusCode;

namespace Mesh.Grpc.Tests.Server;

/// <summary>Status codes, messages, trailers-only error responses, and requests that are not valid gRPC calls.</summary>
public sealed class StatusAndErrorTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await GrpcTestServer.StartAsync();
    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_rpc_exception_becomes_status_message_and_trailers_in_a_trailers_only_response()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.FailMethod.FullName, RawGrpc.Frame("9|Seat tàken: 100%\nsorry"));

        Assert.True(reply.IsTrailersOnly);
        Assert.Equal((int)StatusCode.FailedPrecondition, reply.Status);
        Assert.Equal("Seat t%C3%A0ken: 100%25%0Asorry", reply.Headers["grpc-message"]);
        Assert.Equal("application/grpc", reply.Headers["content-type"]);
        Assert.Equal("requested", reply.Headers["fail-reason"]);
        Assert.Equal("AAEC/w", reply.Headers["fail-data-bin"]); // base64 without padding
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(5)] [InlineData(7)] [InlineData(8)]
    [InlineData(10)] [InlineData(11)] [InlineData(12)] [InlineData(14)] [InlineData(15)] [InlineData(16)]
    public async Task Every_status_code_is_sent_as_given(int code)
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.FailMethod.FullName, RawGrpc.Frame(code + "|m"));

        Assert.Equal(code, reply.Status);
        Assert.Equal("m", reply.Message);
    }

    [Fact]
    public async Task An_unexpected_exception_is_internal_without_its_message_and_is_logged_with_the_trace_id()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.ThrowMethod.FullName, RawGrpc.Frame("p@ss"));

        Assert.Equal((int)StatusCode.Internal, reply.Status);
        Assert.Equal("Exception was thrown by handler.", reply.Message);
        Assert.DoesNotContain("secret", string.Join(" ", reply.Headers.Values.Concat(reply.Trailers.Values)));

        var logged = _server.Logs.Snapshot().Single(l => l.Level == LogLevel.Error && l.Exception is InvalidOperationException);
        Assert.Contains("/mesh.test.v1.TestService/Throw", logged.Message);
        Assert.Matches("trace id [0-9a-f]{32}|trace id [0-9A-Z:]+", logged.Message);
    }

    [Fact]
    public async Task Detailed_errors_include_the_exception_message_when_enabled()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.EnableDetailedErrors = true);

        var reply = await RawGrpc.CallAsync(server.Client, M.ThrowMethod.FullName, RawGrpc.Frame("x"));

        Assert.Equal((int)StatusCode.Internal, reply.Status);
        Assert.Contains("InvalidOperationException: secret internals", reply.Message);
    }

    [Fact]
    public async Task A_rich_status_travels_in_grpc_status_details_bin()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.RichErrorMethod.FullName, RawGrpc.Frame("x"));

        Assert.Equal((int)StatusCode.InvalidArgument, reply.Status);
        Assert.Equal("The request is invalid.", reply.Message);
        var encoded = reply.Headers["grpc-status-details-bin"];
        var bytes = Convert.FromBase64String(encoded.PadRight((encoded.Length + 3) / 4 * 4, '='));
        var status = Google.Rpc.Status.Parser.ParseFrom(bytes);
        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        var violation = Assert.Single(status.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("seat_id", violation.Field);
    }

    [Fact]
    public async Task An_unknown_service_is_unimplemented()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, "/mesh.nope.v1.Nope/Get", RawGrpc.Frame("x"));

        Assert.Equal(HttpStatusCode.OK, reply.HttpStatus);
        Assert.True(reply.IsTrailersOnly);
        Assert.Equal((int)StatusCode.Unimplemented, reply.Status);
        Assert.Equal("Service is unimplemented.", reply.Message);
    }

    [Fact]
    public async Task An_unknown_method_of_a_known_service_is_unimplemented()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, "/mesh.test.v1.TestService/Nope", RawGrpc.Frame("x"));

        Assert.True(reply.IsTrailersOnly);
        Assert.Equal((int)StatusCode.Unimplemented, reply.Status);
        Assert.Equal("Method is unimplemented.", reply.Message);
    }

    [Fact]
    public async Task With_IgnoreUnknownServices_an_unknown_service_falls_through_but_an_unknown_method_does_not()
    {
        await using var server = await GrpcTestServer.StartAsync(o => o.IgnoreUnknownServices = true);

        var unknownService = await RawGrpc.CallAsync(server.Client, "/mesh.nope.v1.Nope/Get", RawGrpc.Frame("x"));
        Assert.Equal(HttpStatusCode.NotFound, unknownService.HttpStatus);
        Assert.Null(unknownService.Status);

        var unknownMethod = await RawGrpc.CallAsync(server.Client, "/mesh.test.v1.TestService/Nope", RawGrpc.Frame("x"));
        Assert.Equal((int)StatusCode.Unimplemented, unknownMethod.Status);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/grpc+json")]
    [InlineData("text/plain")]
    public async Task A_wrong_content_type_is_415_with_a_grpc_status(string contentType)
    {
        var request = RawGrpc.Request(M.EchoMethod.FullName, new ChunkedContent(RawGrpc.Frame("x")), contentType);

        var reply = await RawGrpc.SendAsync(_server.Client, request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, reply.HttpStatus);
        Assert.Equal((int)StatusCode.Internal, reply.Status);
        Assert.Contains(contentType, reply.Message);
        Assert.Empty(reply.Messages);
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc; charset=utf-8")]
    public async Task Grpc_content_type_variants_are_accepted(string contentType)
    {
        var request = RawGrpc.Request(M.EchoMethod.FullName, new ChunkedContent(RawGrpc.Frame("x")), contentType);

        var reply = await RawGrpc.SendAsync(_server.Client, request, TestContext.Current.CancellationToken);

        Assert.Equal(0, reply.Status);
        Assert.Equal(["x"], reply.Texts);
    }

    [Fact]
    public async Task An_http_1_1_request_is_426_not_a_crash()
    {
        await using var server = await GrpcTestServer.StartAsync(protocols: HttpProtocols.Http1);
        using var client = new HttpClient { BaseAddress = server.Address };
        var request = RawGrpc.Request(M.EchoMethod.FullName, new ChunkedContent(RawGrpc.Frame("x")));
        request.Version = HttpVersion.Version11;

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("13", string.Join(",", response.Headers.GetValues("grpc-status")));
        Assert.DoesNotContain(server.Logs.Snapshot(), l => l.Level >= LogLevel.Error);
    }
}
