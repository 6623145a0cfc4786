namespace Mesh.Grpc.Client.Internal;

/// <summary>The ResponseStream of server- and bidi-streaming calls; reads one message per MoveNext, buffering nothing more.</summary>
internal sealed class ResponseStreamReader<TRequest, TResponse> : IAsyncStreamReader<TResponse> where TRequest : class where TResponse : class
{
    private readonly GrpcCall<TRequest, TResponse> _call;

    public ResponseStreamReader(GrpcCall<TRequest, TResponse> call) => _call = call;

    public TResponse Current => _call.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken) => _call.MoveNextAsync(cancellationToken);
}
