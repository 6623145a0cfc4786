using System.Collections.Concurrent;
using System.Text;
using Mesh.Grpc.Client;
using Mesh.Grpc.Wire;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Mesh.Grpc.Tests.Client;

/// <summary>Our client against hand-written HTTP/2 responses: the request it sends and every odd answer it must handle.</summary>
public sealed class RawServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static CallOptions Options(Metadata? headers = null, DateTime? deadline = null) => new(headers, deadline, Ct);

    private static async Task<(RawGrpcServer Server, GrpcChannel Channel)> StartAsync(RequestDelegate handler, GrpcChannelOptions? options = null)
    {
        var server = await RawGrpcServer.StartAsync(handler);
        return (server, GrpcChannel.ForAddress(server.Address, options));
    }

    private static RequestDelegate EchoOk => async ctx =>
    {
        var messages = await RawWire.ReadMessagesAsync(ctx.Request);
        RawWire.StartResponse(ctx.Response);
        foreach (var m in messages) await RawWire.WriteMessageAsync(ctx.Response, m);
        RawWire.AppendStatus(ctx.Response, 0);
    };

    [Fact]
    public async Task Request_carries_the_grpc_headers_deadline_and_metadata()
    {
        var seen = new TaskCompletionSource<IHeaderDictionary>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? path = null, method = null, protocol = null;
        var (server, channel) = await StartAsync(async ctx =>
        {
            path = ctx.Request.Path;
            method = ctx.Request.Method;
            protocol = ctx.Request.Protocol;
            seen.TrySetResult(ctx.Request.Headers);
            await EchoOk(ctx);
        });
        await using var _ = server;
        using var __ = channel;

        var metadata = new Metadata { { "x-plain", "v1" }, { "x-raw-bin", new byte[] { 1, 2, 3, 4 } } };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var response = await channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(metadata, deadline), "hi");
        Assert.Equal("hi", response);

        var headers = await seen.Task;
        Assert.Equal("/mesh.test.Echo/Unary", path);
        Assert.Equal("POST", method);
        Assert.Equal("HTTP/2", protocol);
        Assert.Equal("application/grpc", headers.ContentType.ToString());
        Assert.Equal("trailers", headers["te"].ToString());
        Assert.Contains("grpc", headers.UserAgent.ToString());
        Assert.Contains("gzip", headers["grpc-accept-encoding"].ToString());
        Assert.True(GrpcTimeout.TryParse(headers["grpc-timeout"], out var timeout));
        Assert.InRange(timeout, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Equal("v1", headers["x-plain"].ToString());
        Assert.Equal("AQIDBA", headers["x-raw-bin"].ToString()); // unpadded base64, as the spec asks
    }

    [Fact]
    public async Task Trailers_only_error_uses_the_status_in_the_headers()
    {
        var (server, channel) = await StartAsync(ctx =>
        {
            RawWire.StartResponse(ctx.Response);
            ctx.Response.Headers["grpc-status"] = "5";
            ctx.Response.Headers["grpc-message"] = "no such seat";
            ctx.Response.Headers["x-why"] = "gone";
            return Task.CompletedTask;
        });
        await using var _ = server;
        using var __ = channel;

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x");
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("no such seat", ex.Status.Detail);
        Assert.Equal("gone", ex.Trailers.GetValue("x-why"));
        Assert.Equal("gone", call.GetTrailers().GetValue("x-why"));
    }

    [Fact]
    public async Task Trailers_only_ok_ends_a_server_stream_with_no_messages()
    {
        var (server, channel) = await StartAsync(ctx =>
        {
            RawWire.StartResponse(ctx.Response);
            ctx.Response.Headers["grpc-status"] = "0";
            return Task.CompletedTask;
        });
        await using var _ = server;
        using var __ = channel;

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(EchoMethods.ServerStream, null, Options(), "x");
        Assert.False(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);

        // …but a unary call that gets no message is broken.
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x").ResponseAsync);
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Theory]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(500, StatusCode.Unknown)]
    public async Task Http_status_without_grpc_status_is_mapped(int httpStatus, StatusCode expected)
    {
        var (server, channel) = await StartAsync(async ctx =>
        {
            ctx.Response.StatusCode = httpStatus;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.WriteAsync("proxy says no");
        });
        await using var _ = server;
        using var __ = channel;

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x").ResponseAsync);
        Assert.Equal(expected, ex.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Status.Detail);
    }

    [Fact]
    public async Task Wrong_content_type_is_internal()
    {
        var (server, channel) = await StartAsync(async ctx =>
        {
            ctx.Response.ContentType = "text/html";
            await ctx.Response.WriteAsync("<html/>");
        });
        await using var _ = server;
        using var __ = channel;

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x").ResponseAsync);
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("text/html", ex.Status.Detail);
    }

    [Fact]
    public async Task Truncated_frame_is_internal_not_a_hang()
    {
        var (server, channel) = await StartAsync(async ctx =>
        {
            RawWire.StartResponse(ctx.Response);
            // A header announcing 100 bytes followed by only 3 of them, then the end of the stream.
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 100, 1, 2, 3 });
            RawWire.AppendStatus(ctx.Response, 0);
        });
        await using var _ = server;
        using var __ = channel;

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x").ResponseAsync);
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Oversize_response_is_resource_exhausted()
    {
        var (server, channel) = await StartAsync(async ctx =>
        {
            RawWire.StartResponse(ctx.Response);
            await RawWire.WriteMessageAsync(ctx.Response, new string('x', 2048));
            RawWire.AppendStatus(ctx.Response, 0);
        }, new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });
        await using var _ = server;
        using var __ = channel;

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x").ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Oversize_request_is_resource_exhausted()
    {
        var (server, channel) = await StartAsync(EchoOk, new GrpcChannelOptions { MaxSendMessageSize = 100 });
        await using var _ = server;
        using var __ = channel;

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), new string('y', 500)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Theory]
    [InlineData("banana", StatusCode.Unknown)]
    [InlineData(null, StatusCode.Internal)]
    public async Task Garbage_or_missing_grpc_status_fails_the_call(string? grpcStatus, StatusCode expected)
    {
        var (server, channel) = await StartAsync(async ctx =>
        {
            RawWire.StartResponse(ctx.Response);
            await RawWire.WriteMessageAsync(ctx.Response, "fine");
            if (grpcStatus is not null) ctx.Response.AppendTrailer("grpc-status", grpcStatus);
            else ctx.Response.AppendTrailer("x-other", "1");
        });
        await using var _ = server;
        using var __ = channel;

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x").ResponseAsync);
        Assert.Equal(expected, ex.StatusCode);
    }

    [Fact]
    public async Task Status_details_bin_is_kept_in_the_trailers()
    {
        var details = new byte[] { 8, 3, 18, 4, 98, 97, 100, 33 };
        var (server, channel) = await StartAsync(async ctx =>
        {
            RawWire.StartResponse(ctx.Response);
            await ctx.Response.Body.FlushAsync();
            RawWire.AppendStatus(ctx.Response, 3, "bad!");
            ctx.Response.AppendTrailer("grpc-status-details-bin", Convert.ToBase64String(details));
        });
        await using var _ = server;
        using var __ = channel;

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x").ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(details, ex.Trailers.GetValueBytes("grpc-status-details-bin"));
    }

    [Fact]
    public async Task Deadline_in_the_past_fails_at_once_without_sending()
    {
        var requests = 0;
        var (server, channel) = await StartAsync(ctx => { Interlocked.Increment(ref requests); return EchoOk(ctx); });
        await using var _ = server;
        using var __ = channel;

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(deadline: DateTime.UtcNow.AddSeconds(-1)), "x");
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync);
        Assert.Equal(0, Volatile.Read(ref requests));
    }

    [Fact]
    public async Task Deadline_resets_the_stream_on_the_server()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (server, channel) = await StartAsync(async ctx =>
        {
            RawWire.StartResponse(ctx.Response);
            await ctx.Response.Body.FlushAsync(); // headers out; then never finish
            try { await Task.Delay(Timeout.Infinite, ctx.RequestAborted); }
            catch (OperationCanceledException) { aborted.TrySetResult(); }
        });
        await using var _ = server;
        using var __ = channel;

        // Long enough for a new connection to reach the handler on a busy machine: the server must see the stream
        // before the deadline resets it, or there is nothing to observe.
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(EchoMethods.ServerStream, null, Options(deadline: DateTime.UtcNow.AddSeconds(3)), "x");
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct); // RST_STREAM reached the server
    }

    [Fact]
    public async Task Status_and_trailers_are_unavailable_before_the_call_ends()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (server, channel) = await StartAsync(async ctx =>
        {
            RawWire.StartResponse(ctx.Response);
            await ctx.Response.Body.FlushAsync();
            await release.Task.WaitAsync(ctx.RequestAborted);
            await RawWire.WriteMessageAsync(ctx.Response, "late");
            RawWire.AppendStatus(ctx.Response, 0);
        });
        await using var _ = server;
        using var __ = channel;

        using var call = channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x");
        await call.ResponseHeadersAsync;
        Assert.Throws<InvalidOperationException>(() => call.GetStatus());
        Assert.Throws<InvalidOperationException>(() => call.GetTrailers());
        release.SetResult();
        Assert.Equal("late", await call);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Overlapping_writes_are_rejected()
    {
        // The server never reads, so a message bigger than the HTTP/2 flow-control windows cannot finish writing.
        var (server, channel) = await StartAsync(async ctx =>
        {
            try { await Task.Delay(Timeout.Infinite, ctx.RequestAborted); } catch (OperationCanceledException) { }
        });
        await using var _ = server;
        using var __ = channel;

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(EchoMethods.ClientStream, null, Options());
        var first = call.RequestStream.WriteAsync(new string('a', 4_000_000), Ct);
        var second = call.RequestStream.WriteAsync("b", Ct);
        Assert.False(first.IsCompleted);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second);
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.CompleteAsync());

        call.Dispose();
        var ex = await Assert.ThrowsAsync<RpcException>(() => first);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
    }

    [Fact]
    public async Task Cancelling_resets_the_stream_on_the_server()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (server, channel) = await StartAsync(async ctx =>
        {
            started.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, ctx.RequestAborted); }
            catch (OperationCanceledException) { aborted.TrySetResult(); }
        });
        await using var _ = server;
        using var __ = channel;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var call = channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, new CallOptions(cancellationToken: cts.Token), "x");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        cts.Cancel();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task Server_error_during_client_streaming_ends_the_call_and_later_writes_fail()
    {
        var (server, channel) = await StartAsync(async ctx =>
        {
            // Answer after the first message without waiting for the rest of the stream.
            var buffer = new byte[6];
            await ctx.Request.Body.ReadExactlyAsync(buffer);
            RawWire.StartResponse(ctx.Response);
            await ctx.Response.Body.FlushAsync();
            RawWire.AppendStatus(ctx.Response, 8, "too many");
        });
        await using var _ = server;
        using var __ = channel;

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(EchoMethods.ClientStream, null, Options());
        try
        {
            await call.RequestStream.WriteAsync("1", Ct);
        }
        catch (RpcException raced) // the answer may end the call while this write is still flushing
        {
            Assert.Equal(StatusCode.ResourceExhausted, raced.StatusCode);
        }
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        var writeError = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync("2", Ct));
        Assert.Equal(StatusCode.ResourceExhausted, writeError.StatusCode);
    }

    [Fact]
    public async Task Request_and_response_compression_on_the_wire()
    {
        string? requestEncoding = null;
        var (server, channel) = await StartAsync(async ctx =>
        {
            requestEncoding = ctx.Request.Headers["grpc-encoding"];
            var messages = await RawWire.ReadMessagesAsync(ctx.Request); // inflates flagged messages
            RawWire.StartResponse(ctx.Response);
            ctx.Response.Headers["grpc-encoding"] = "gzip";
            await RawWire.WriteMessageAsync(ctx.Response, string.Join("|", messages), compress: true);
            RawWire.AppendStatus(ctx.Response, 0);
        }, new GrpcChannelOptions { RequestCompression = "gzip" });
        await using var _ = server;
        using var __ = channel;

        var text = new string('c', 10_000);
        Assert.Equal(text, await channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), text));
        Assert.Equal("gzip", requestEncoding);
    }

    [Fact]
    public async Task Compressed_request_bytes_really_are_gzip()
    {
        byte[]? body = null;
        var (server, channel) = await StartAsync(async ctx =>
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            body = ms.ToArray();
            RawWire.StartResponse(ctx.Response);
            await RawWire.WriteMessageAsync(ctx.Response, "ok");
            RawWire.AppendStatus(ctx.Response, 0);
        });
        await using var _ = server;
        using var __ = channel;

        var text = new string('d', 10_000);
        await channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options().WithCompression("gzip"), text);
        Assert.NotNull(body);
        Assert.Equal(1, body![0]); // compressed flag
        Assert.True(body.Length < 1000);
        Assert.Equal(0x1f, body[5]); // gzip magic
        Assert.Equal(0x8b, body[6]);
    }

    [Fact]
    public async Task Connection_refused_is_unavailable_with_a_clear_detail()
    {
        var server = await RawGrpcServer.StartAsync(EchoOk);
        var address = server.Address;
        await server.DisposeAsync(); // nothing listens there any more

        using var channel = GrpcChannel.ForAddress(address);
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, Options(), "x").ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains(address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Status.Detail);
    }

    [Fact]
    public async Task Calls_are_multiplexed_on_one_connection()
    {
        var connections = new ConcurrentDictionary<string, int>();
        var (server, channel) = await StartAsync(ctx =>
        {
            connections.AddOrUpdate(ctx.Connection.Id, 1, (_, n) => n + 1);
            return EchoOk(ctx);
        });
        await using var _ = server;
        using var __ = channel;

        var invoker = channel.CreateCallInvoker();
        await invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(), "warm-up"); // one connection exists
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(), "c" + i).ResponseAsync));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => "c" + i), results);
        Assert.Single(connections);
        Assert.Equal(51, connections.Values.Single());
    }

    [Fact]
    public async Task More_connections_open_when_the_stream_limit_is_reached()
    {
        var connections = new ConcurrentDictionary<string, byte>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await RawGrpcServer.StartAsync(async ctx =>
        {
            connections.TryAdd(ctx.Connection.Id, 0);
            var messages = await RawWire.ReadMessagesAsync(ctx.Request);
            if (messages.Single() != "warm-up")
            {
                if (Interlocked.Increment(ref started) == 6) allStarted.TrySetResult();
                await release.Task;
            }
            RawWire.StartResponse(ctx.Response);
            await RawWire.WriteMessageAsync(ctx.Response, "done");
            RawWire.AppendStatus(ctx.Response, 0);
        }, kestrel => kestrel.Limits.Http2.MaxStreamsPerConnection = 2);
        await using var _ = server;
        using var channel = GrpcChannel.ForAddress(server.Address);
        var invoker = channel.CreateCallInvoker();

        // One call first, so the client has the server's SETTINGS (2 streams per connection) before the burst.
        await invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(), "warm-up");
        var calls = Enumerable.Range(0, 6).Select(i => invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(), "s" + i).ResponseAsync).ToArray();
        // All six run at once, impossible on one connection. (A failed call would show up here rather than as a hang.)
        await Task.WhenAny(allStarted.Task, Task.WhenAll(calls)).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(allStarted.Task.IsCompleted, "not all six calls reached the server at the same time");
        release.SetResult();
        await Task.WhenAll(calls);
        Assert.True(connections.Count >= 3, $"expected at least 3 connections, saw {connections.Count}");
    }
}
