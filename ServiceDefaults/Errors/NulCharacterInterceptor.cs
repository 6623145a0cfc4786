using Google.Protobuf;
using Grpc.Core.Interceptors;

namespace Mesh.ServiceDefaults.Errors;

/// <summary>
/// Refuses any request message holding U+0000 in a string (<see cref="NulCharacters"/>) with INVALID_ARGUMENT and a
/// BadRequest naming the field, before the handler runs. It runs for gRPC and transcoded REST calls alike (the
/// transcoder calls the same interceptors), so a NUL in a query parameter, a JSON body or a protobuf message is a
/// 400 / INVALID_ARGUMENT, never a database error turned 500.
/// </summary>
public sealed class NulCharacterInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckedReader<TRequest>(requestStream), context);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckedReader<TRequest>(requestStream), responseStream, context);

    private static void Check<TRequest>(TRequest request)
    {
        if (request is IMessage message) NulCharacters.Reject(message);
    }

    /// <summary>Checks each message of a request stream as the handler reads it.</summary>
    private sealed class CheckedReader<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken)) return false;
            Check(inner.Current);
            return true;
        }
    }
}
