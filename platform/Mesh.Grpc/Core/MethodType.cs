namespace Mesh.Grpc;

/// <summary>The four kinds of RPC.</summary>
public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

/// <summary>The proto option <c>idempotency_level</c> of a method; resilience reads it.</summary>
public enum IdempotencyLevel
{
    Unknown = 0,
    NoSideEffects = 1,
    Idempotent = 2,
}
