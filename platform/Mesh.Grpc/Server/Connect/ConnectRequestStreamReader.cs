namespace Mesh.Grpc.Server.Connect;

/// <summary>The request stream of a Connect streaming call: enveloped messages read one at a time.</summary>
internal sealed class ConnectRequestStreamReader<TRequest> : IAsyncStreamReader<TRequest>
{
    private readonly ConnectServerCallContext _call;
    private readonly Marshaller<TRequest> _marshaller;
    private TRequest? _current;
    private bool _ended;

    public ConnectRequestStreamReader(ConnectServerCallContext call, Marshaller<TRequest> marshaller)
    {
        _call = call;
        _marshaller = marshaller;
    }

    public TRequest Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_ended) return false;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call.CancellationToken);
        try
        {
            var (hasMessage, message) = await _call.ReadEnvelopeAsync(_marshaller, linked.Token).ConfigureAwait(false);
            _ended = !hasMessage;
            _current = hasMessage ? message : default;
            return hasMessage;
        }
        catch (Exception ex) when (ex is not RpcException && ex is not OperationCanceledException
                                   && _call.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Kestrel reports a reset stream as an IOException; to the handler it is a cancellation.
            throw new OperationCanceledException("The client cancelled the call.", ex, _call.HttpContext.RequestAborted);
        }
    }

    /// <summary>Unary-request streaming calls (server streaming) carry exactly one message.</summary>
    public async ValueTask<TRequest> ReadSingleAsync()
    {
        if (!await MoveNext(CancellationToken.None).ConfigureAwait(false))
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The request stream ended without a request message."));
        var request = Current;
        if (await MoveNext(CancellationToken.None).ConfigureAwait(false))
            throw new RpcException(new Status(StatusCode.InvalidArgument, "More than one request message for a server-streaming call."));
        return request;
    }
}
