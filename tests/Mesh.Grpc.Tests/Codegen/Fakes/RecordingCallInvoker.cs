namespace Mesh.Grpc.Tests.Codegen.Fakes;

/// <summary>
/// A CallInvoker that starts nothing: it records how each call was started and answers with a
/// fresh default message (protobuf messages have a public parameterless constructor).
/// </summary>
internal sealed class RecordingCallInvoker : CallInvoker
{
    public sealed record StartedCall(string Kind, IMethod Method, string? Host, CallOptions Options, object? Request);

    public List<StartedCall> Calls { get; } = new();

    public StartedCall Last => Calls[^1];

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add(new("BlockingUnary", method, host, options, request));
        return Activator.CreateInstance<TResponse>();
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add(new("AsyncUnary", method, host, options, request));
        return new AsyncUnaryCall<TResponse>(Task.FromResult(Activator.CreateInstance<TResponse>()), EndedCall());
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add(new("AsyncServerStreaming", method, host, options, request));
        return new AsyncServerStreamingCall<TResponse>(new ChannelStreamReader<TResponse>(), EndedCall());
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Calls.Add(new("AsyncClientStreaming", method, host, options, null));
        return new AsyncClientStreamingCall<TRequest, TResponse>(new NullClientStreamWriter<TRequest>(), Task.FromResult(Activator.CreateInstance<TResponse>()), EndedCall());
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Calls.Add(new("AsyncDuplexStreaming", method, host, options, null));
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(new NullClientStreamWriter<TRequest>(), new ChannelStreamReader<TResponse>(), EndedCall());
    }

    private static CallState EndedCall() =>
        new(Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => new Metadata(), () => { });

    private sealed class NullClientStreamWriter<T> : IClientStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get; set; }
        public Task WriteAsync(T message) => Task.CompletedTask;
        public Task CompleteAsync() => Task.CompletedTask;
    }
}
