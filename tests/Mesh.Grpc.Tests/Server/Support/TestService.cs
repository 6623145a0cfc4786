using Google.Protobuf.WellKnownTypes;
using Mesh.Grpc;
using Google.Rpc;
using RpcStatus = Google.Rpc.Status;
using Status = Mesh.Grpc.Status;
using StatusCode = Mesh.Grpc.StatusCode;

namespace Mesh.Grpc.Tests.Server.Support;

/// <summary>
/// A hand-written service base in the shape the code generator emits ([BindServiceMethod] + static
/// BindService taking a possibly-null instance), so the server's binder is tested on its own.
/// </summary>
[BindServiceMethod(typeof(TestServiceBase), nameof(BindService))]
public abstract class TestServiceBase
{
    public const string ServiceName = "mesh.test.v1.TestService";

    private static readonly Marshaller<string> Text = Marshallers.StringMarshaller;
    private static readonly Marshaller<StringValue> Proto = Marshallers.ForMessage(StringValue.Parser);

    public static readonly Method<string, string> EchoMethod = new(MethodType.Unary, ServiceName, "Echo", Text, Text);
    public static readonly Method<StringValue, StringValue> EchoProtoMethod = new(MethodType.Unary, ServiceName, "EchoProto", Proto, Proto);
    public static readonly Method<string, string> FailMethod = new(MethodType.Unary, ServiceName, "Fail", Text, Text);
    public static readonly Method<string, string> ThrowMethod = new(MethodType.Unary, ServiceName, "Throw", Text, Text);
    public static readonly Method<string, string> SleepMethod = new(MethodType.Unary, ServiceName, "Sleep", Text, Text);
    public static readonly Method<string, string> WaitForCancelMethod = new(MethodType.Unary, ServiceName, "WaitForCancel", Text, Text);
    public static readonly Method<string, string> MetadataMethod = new(MethodType.Unary, ServiceName, "Metadata", Text, Text);
    public static readonly Method<string, string> RichErrorMethod = new(MethodType.Unary, ServiceName, "RichError", Text, Text);
    public static readonly Method<string, string> NotImplementedHereMethod = new(MethodType.Unary, ServiceName, "NotImplementedHere", Text, Text);
    public static readonly Method<string, string> CountMethod = new(MethodType.ServerStreaming, ServiceName, "Count", Text, Text);
    public static readonly Method<string, string> StreamUntilStoppedMethod = new(MethodType.ServerStreaming, ServiceName, "StreamUntilStopped", Text, Text);
    public static readonly Method<string, string> CollectMethod = new(MethodType.ClientStreaming, ServiceName, "Collect", Text, Text);
    public static readonly Method<string, string> ChatMethod = new(MethodType.DuplexStreaming, ServiceName, "Chat", Text, Text);

    public virtual Task<string> Echo(string request, ServerCallContext context) => throw Unimplemented();
    public virtual Task<StringValue> EchoProto(StringValue request, ServerCallContext context) => throw Unimplemented();
    public virtual Task<string> Fail(string request, ServerCallContext context) => throw Unimplemented();
    public virtual Task<string> Throw(string request, ServerCallContext context) => throw Unimplemented();
    public virtual Task<string> Sleep(string request, ServerCallContext context) => throw Unimplemented();
    public virtual Task<string> WaitForCancel(string request, ServerCallContext context) => throw Unimplemented();
    public virtual Task<string> Metadata(string request, ServerCallContext context) => throw Unimplemented();
    public virtual Task<string> RichError(string request, ServerCallContext context) => throw Unimplemented();
    public virtual Task<string> NotImplementedHere(string request, ServerCallContext context) => throw Unimplemented();
    public virtual Task Count(string request, IServerStreamWriter<string> responses, ServerCallContext context) => throw Unimplemented();
    public virtual Task StreamUntilStopped(string request, IServerStreamWriter<string> responses, ServerCallContext context) => throw Unimplemented();
    public virtual Task<string> Collect(IAsyncStreamReader<string> requests, ServerCallContext context) => throw Unimplemented();
    public virtual Task Chat(IAsyncStreamReader<string> requests, IServerStreamWriter<string> responses, ServerCallContext context) => throw Unimplemented();

    private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, "Not implemented by this service."));

    public static void BindService(ServiceBinderBase binder, TestServiceBase? impl)
    {
        binder.AddMethod(EchoMethod, impl is null ? null : new UnaryServerMethod<string, string>(impl.Echo));
        binder.AddMethod(EchoProtoMethod, impl is null ? null : new UnaryServerMethod<StringValue, StringValue>(impl.EchoProto));
        binder.AddMethod(FailMethod, impl is null ? null : new UnaryServerMethod<string, string>(impl.Fail));
        binder.AddMethod(ThrowMethod, impl is null ? null : new UnaryServerMethod<string, string>(impl.Throw));
        binder.AddMethod(SleepMethod, impl is null ? null : new UnaryServerMethod<string, string>(impl.Sleep));
        binder.AddMethod(WaitForCancelMethod, impl is null ? null : new UnaryServerMethod<string, string>(impl.WaitForCancel));
        binder.AddMethod(MetadataMethod, impl is null ? null : new UnaryServerMethod<string, string>(impl.Metadata));
        binder.AddMethod(RichErrorMethod, impl is null ? null : new UnaryServerMethod<string, string>(impl.RichError));
        binder.AddMethod(NotImplementedHereMethod, impl is null ? null : new UnaryServerMethod<string, string>(impl.NotImplementedHere));
        binder.AddMethod(CountMethod, impl is null ? null : new ServerStreamingServerMethod<string, string>(impl.Count));
        binder.AddMethod(StreamUntilStoppedMethod, impl is null ? null : new ServerStreamingServerMethod<string, string>(impl.StreamUntilStopped));
        binder.AddMethod(CollectMethod, impl is null ? null : new ClientStreamingServerMethod<string, string>(impl.Collect));
        binder.AddMethod(ChatMethod, impl is null ? null : new DuplexStreamingServerMethod<string, string>(impl.Chat));
    }
}

/// <summary>What the service observed, shared with the test through DI (the service itself is created per call).</summary>
public sealed class ServiceProbe
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource CancellationObserved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource<string> HandlerFinished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public List<string> Events { get; } = new();
    public int InstancesCreated;
    public int InstancesDisposed;

    public void Record(string e)
    {
        lock (Events) Events.Add(e);
    }
}

/// <summary>The implementation under test. Not registered in DI: the server creates one per call.</summary>
public sealed class TestService : TestServiceBase, IDisposable
{
    private readonly ServiceProbe _probe;

    public TestService(ServiceProbe probe)
    {
        _probe = probe;
        Interlocked.Increment(ref probe.InstancesCreated);
    }

    public void Dispose() => Interlocked.Increment(ref _probe.InstancesDisposed);

    public override Task<string> Echo(string request, ServerCallContext context)
    {
        _probe.Record("service");
        return Task.FromResult(request);
    }

    public override Task<StringValue> EchoProto(StringValue request, ServerCallContext context) =>
        Task.FromResult(new StringValue { Value = request.Value });

    /// <summary>Request "code|message": fails with that status and a text and a binary trailer.</summary>
    public override Task<string> Fail(string request, ServerCallContext context)
    {
        var parts = request.Split('|', 2);
        var trailers = new Metadata { { "fail-reason", "requested" }, { "fail-data-bin", new byte[] { 0, 1, 2, 255 } } };
        throw new RpcException(new Status((StatusCode)int.Parse(parts[0]), parts[1]), trailers);
    }

    public override Task<string> Throw(string request, ServerCallContext context) =>
        throw new InvalidOperationException("secret internals: connection string=" + request);

    /// <summary>Blocks until the test releases it, IGNORING the call's token (a badly behaved handler), then answers.</summary>
    public override async Task<string> Sleep(string request, ServerCallContext context)
    {
        _probe.Entered.TrySetResult();
        await _probe.Release.Task.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        _probe.HandlerFinished.TrySetResult("woke");
        return "woke";
    }

    public override async Task<string> WaitForCancel(string request, ServerCallContext context)
    {
        _probe.Entered.TrySetResult();
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (context.CancellationToken.Register(() => fired.TrySetResult()))
        {
            await Task.WhenAny(fired.Task, _probe.Release.Task);
        }
        if (context.CancellationToken.IsCancellationRequested) _probe.CancellationObserved.TrySetResult();
        return "released";
    }

    /// <summary>Echoes each request header as response header "echo-KEY" and trailer "trailer-KEY"; "headers-first" sends headers before the message.</summary>
    public override async Task<string> Metadata(string request, ServerCallContext context)
    {
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (!entry.Key.StartsWith("x-", StringComparison.Ordinal)) continue;
            if (entry.IsBinary)
            {
                headers.Add("echo-" + entry.Key, entry.ValueBytes);
                context.ResponseTrailers.Add("trailer-" + entry.Key, entry.ValueBytes);
            }
            else
            {
                headers.Add("echo-" + entry.Key, entry.Value);
                context.ResponseTrailers.Add("trailer-" + entry.Key, entry.Value);
            }
        }
        context.ResponseTrailers.Add("request-keys", string.Join(",", context.RequestHeaders.Select(e => e.Key)));
        if (request == "headers-first") await context.WriteResponseHeadersAsync(headers);
        else if (request == "status-only")
        {
            context.Status = new Status(StatusCode.NotFound, "nothing here");
            return "ignored";
        }
        return string.Join("|", request, context.Method, context.Peer.StartsWith("ipv4:127.0.0.1:", StringComparison.Ordinal),
            context.GetHttpContext().Request.Protocol, context.Deadline == DateTime.MaxValue ? "no-deadline" : "deadline");
    }

    public override Task<string> RichError(string request, ServerCallContext context)
    {
        var status = new RpcStatus { Code = (int)StatusCode.InvalidArgument, Message = "The request is invalid." }
            .WithDetail(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = "seat_id", Description = "must be a UUID" } },
            });
        throw status.ToRpcException();
    }

    public override async Task Count(string request, IServerStreamWriter<string> responses, ServerCallContext context)
    {
        var n = int.Parse(request);
        for (var i = 0; i < n; i++)
        {
            if (i == 1 && context.RequestHeaders.GetValue("x-no-compress-second") is not null)
                responses.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
            else
                responses.WriteOptions = null;
            await responses.WriteAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Writes until a write fails, ignoring the token (a badly behaved handler).</summary>
    public override async Task StreamUntilStopped(string request, IServerStreamWriter<string> responses, ServerCallContext context)
    {
        _probe.Entered.TrySetResult();
        var i = 0;
        try
        {
            while (i < 100_000)
            {
                await responses.WriteAsync("tick" + i++);
                await Task.Delay(10, CancellationToken.None);
            }
            _probe.HandlerFinished.TrySetResult("finished");
        }
        catch (Exception ex)
        {
            _probe.HandlerFinished.TrySetResult(ex.GetType().Name);
            throw;
        }
    }

    public override async Task<string> Collect(IAsyncStreamReader<string> requests, ServerCallContext context)
    {
        var all = new List<string>();
        while (await requests.MoveNext(context.CancellationToken)) all.Add(requests.Current);
        return all.Count + ":" + string.Join(",", all.Select(s => s.Length));
    }

    public override async Task Chat(IAsyncStreamReader<string> requests, IServerStreamWriter<string> responses, ServerCallContext context)
    {
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            await responses.WriteAsync("re:" + request);
    }
}
