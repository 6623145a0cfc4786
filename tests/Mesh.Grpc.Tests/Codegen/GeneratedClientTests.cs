using Mesh.Grpc.Tests.Codegen.Fakes;
using Mesh.Grpc.Tests.Codegen.Proto;
using Xunit;

namespace Mesh.Grpc.Tests.Codegen;

/// <summary>The generated typed client, over a CallInvoker that records what it was asked to start.</summary>
public class GeneratedClientTests
{
    private readonly RecordingCallInvoker _invoker = new();
    private readonly Catalog.CatalogClient _client;

    public GeneratedClientTests() => _client = new Catalog.CatalogClient(_invoker);

    [Fact]
    public void Blocking_unary_passes_descriptor_request_and_loose_options()
    {
        var request = new GetItemRequest { Name = "x" };
        var headers = new Metadata { { "k", "v" } };
        var deadline = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        using var cts = new CancellationTokenSource();

        var reply = _client.GetItem(request, headers, deadline, cts.Token);

        Assert.NotNull(reply);
        var call = _invoker.Last;
        Assert.Equal("BlockingUnary", call.Kind);
        Assert.Same(Catalog.__Method_GetItem, call.Method);
        Assert.Null(call.Host);
        Assert.Same(request, call.Request);
        Assert.Same(headers, call.Options.Headers);
        Assert.Equal(deadline, call.Options.Deadline);
        Assert.Equal(cts.Token, call.Options.CancellationToken);
    }

    [Fact]
    public async System.Threading.Tasks.Task Async_unary_with_CallOptions_passes_them_through()
    {
        var options = new CallOptions(compression: "gzip");

        var reply = await _client.PutItemAsync(new Item { Name = "y" }, options);

        Assert.NotNull(reply);
        Assert.Equal("AsyncUnary", _invoker.Last.Kind);
        Assert.Same(Catalog.__Method_PutItem, _invoker.Last.Method);
        Assert.Equal("gzip", _invoker.Last.Options.Compression);
    }

    [Fact]
    public void Streaming_methods_start_the_matching_call_kind()
    {
        var since = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 42 };

        var ct = TestContext.Current.CancellationToken;
        using var watch = _client.WatchItems(since, cancellationToken: ct);
        using var upload = _client.UploadItems(cancellationToken: ct);
        using var chat = _client.Chat(new CallOptions(deadline: DateTime.UtcNow.AddMinutes(1)));

        Assert.Equal(["AsyncServerStreaming", "AsyncClientStreaming", "AsyncDuplexStreaming"], _invoker.Calls.Select(c => c.Kind));
        Assert.Equal([Catalog.__Method_WatchItems, Catalog.__Method_UploadItems, (IMethod)Catalog.__Method_Chat], _invoker.Calls.Select(c => c.Method));
        Assert.Same(since, _invoker.Calls[0].Request);
        Assert.NotNull(_invoker.Calls[2].Options.Deadline);
        Assert.Null(_invoker.Calls[1].Options.Deadline);
        Assert.Equal(ct, _invoker.Calls[0].Options.CancellationToken);
    }

    [Fact]
    public void Clients_of_a_second_service_in_the_file_use_its_descriptors()
    {
        var client = new Proto.Task.TaskClient(_invoker);

        client.Run(new Item.Types.Part { Label = "p" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("/mesh.codegen_test.v1.Task/Run", _invoker.Last.Method.FullName);
    }

    [Fact]
    public void A_client_made_from_a_channel_calls_through_the_channel_invoker()
    {
        var client = new Catalog.CatalogClient(new InvokerChannel(_invoker));

        client.GetItem(new GetItemRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Same(Catalog.__Method_GetItem, _invoker.Last.Method);
    }

    private sealed class InvokerChannel(CallInvoker invoker) : ChannelBase("test")
    {
        public override CallInvoker CreateCallInvoker() => invoker;
    }
}
