using Mesh.Grpc.Wire;

namespace Mesh.Grpc.Server;

/// <summary>
/// The request stream of a client- or bidi-streaming call: length-prefixed messages read from
/// Kestrel's request pipe (a message may span DATA frames; a frame may hold several messages).
/// </summary>
internal sealed class HttpRequestStreamReader<TRequest> : IAsyncStreamReader<TRequest>
{
    private static readonly Task<bool> True = Task.FromResult(true);
    private static readonly Task<bool> False = Task.FromResult(false);

    private readonly HttpServerCallContext _call;
    private readonly Marshaller<TRequest> _marshaller;
    private TRequest? _current;
    private bool _reading;
    private bool _ended;

    public HttpRequestStreamReader(HttpServerCallContext call, Marshaller<TRequest> marshaller)
    {
        _call = call;
        _marshaller = marshaller;
    }

    public TRequest Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first.");

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_reading) throw new InvalidOperationException("Can't read the next message because the previous read is still in progress.");
        if (_ended) return False;
        _reading = true;

        ValueTask<(bool HasMessage, TRequest Message)> pending;
        CancellationTokenSource? linked = null;
        try
        {
            pending = MessageFraming.ReadMessageAsync(_call.HttpContext.Request.BodyReader, _marshaller,
                _call.RequestEncoding, _call.MaxReceiveMessageSize, CombineTokens(cancellationToken, out linked));
        }
        catch
        {
            _reading = false;
            linked?.Dispose();
            throw;
        }

        if (pending.IsCompletedSuccessfully && linked is null)
            return Complete(pending.Result) ? True : False;
        return AwaitRead(pending, linked);
    }

    private async Task<bool> AwaitRead(ValueTask<(bool HasMessage, TRequest Message)> pending, CancellationTokenSource? linked)
    {
        try
        {
            return Complete(await pending.ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not RpcException && ex is not OperationCanceledException
                                   && _call.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Kestrel reports a reset stream as an IOException; to the handler it is a cancellation.
            throw new OperationCanceledException("The client cancelled the call.", ex, _call.HttpContext.RequestAborted);
        }
        finally
        {
            _reading = false;
            linked?.Dispose();
        }
    }

    private bool Complete((bool HasMessage, TRequest Message) result)
    {
        _reading = false;
        if (!result.HasMessage)
        {
            _ended = true;
            _current = default;
            return false;
        }
        _current = result.Message;
        return true;
    }

    private CancellationToken CombineTokens(CancellationToken callerToken, out CancellationTokenSource? linked)
    {
        linked = null;
        var callToken = _call.ReadToken;
        if (!callerToken.CanBeCanceled) return callToken;
        if (!callToken.CanBeCanceled) return callerToken;
        linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, callToken);
        return linked.Token;
    }
}
