namespace Mesh.Grpc;

/// <summary>What every method descriptor exposes without its message types.</summary>
public interface IMethod
{
    MethodType Type { get; }
    string ServiceName { get; }
    string Name { get; }

    /// <summary>"/package.Service/Method", the HTTP/2 :path of the call.</summary>
    string FullName { get; }

    IdempotencyLevel IdempotencyLevel { get; }
}

/// <summary>A method descriptor: emitted once per RPC by the code generator.</summary>
public sealed class Method<TRequest, TResponse> : IMethod
{
    public Method(MethodType type, string serviceName, string name,
                  Marshaller<TRequest> requestMarshaller, Marshaller<TResponse> responseMarshaller,
                  IdempotencyLevel idempotencyLevel = IdempotencyLevel.Unknown)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        RequestMarshaller = requestMarshaller ?? throw new ArgumentNullException(nameof(requestMarshaller));
        ResponseMarshaller = responseMarshaller ?? throw new ArgumentNullException(nameof(responseMarshaller));
        IdempotencyLevel = idempotencyLevel;
        FullName = "/" + serviceName + "/" + name;
    }

    public MethodType Type { get; }
    public string ServiceName { get; }
    public string Name { get; }
    public string FullName { get; }
    public IdempotencyLevel IdempotencyLevel { get; }
    public Marshaller<TRequest> RequestMarshaller { get; }
    public Marshaller<TResponse> ResponseMarshaller { get; }

    public override string ToString() => FullName;
}
