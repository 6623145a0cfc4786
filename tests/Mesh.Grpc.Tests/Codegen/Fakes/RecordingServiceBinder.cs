namespace Mesh.Grpc.Tests.Codegen.Fakes;

/// <summary>Records what a generated BindService registers: each method and the kind of handler it got.</summary>
internal sealed class RecordingServiceBinder : ServiceBinderBase
{
    public sealed record Binding(IMethod Method, MethodType HandlerKind, Delegate? Handler);

    public List<Binding> Bindings { get; } = new();

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        Bindings.Add(new(method, MethodType.Unary, handler));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        Bindings.Add(new(method, MethodType.ClientStreaming, handler));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        Bindings.Add(new(method, MethodType.ServerStreaming, handler));

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        Bindings.Add(new(method, MethodType.DuplexStreaming, handler));
}
