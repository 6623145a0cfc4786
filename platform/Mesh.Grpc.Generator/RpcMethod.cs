using Google.Protobuf.Reflection;

namespace Mesh.Grpc.Generator;

/// <summary>One RPC as the emitter needs it: C# names resolved, streaming kind and options decoded.</summary>
public sealed record RpcMethod(
    string Name,
    string RequestType,
    string ResponseType,
    string MethodTypeName,
    string IdempotencyLevelName,
    bool ClientStreaming,
    bool ServerStreaming,
    bool Deprecated,
    int Index)
{
    public string DescriptorField => "__Method_" + Name;

    public static RpcMethod From(MethodDescriptorProto method, int index, TypeNameIndex types)
    {
        var clientStreaming = method.ClientStreaming;
        var serverStreaming = method.ServerStreaming;
        var kind = (clientStreaming, serverStreaming) switch
        {
            (false, false) => "Unary",
            (true, false) => "ClientStreaming",
            (false, true) => "ServerStreaming",
            (true, true) => "DuplexStreaming",
        };
        // MethodOptions.idempotency_level (field 34); resilience decides on retries from it.
        var idempotency = method.Options?.IdempotencyLevel switch
        {
            MethodOptions.Types.IdempotencyLevel.NoSideEffects => "NoSideEffects",
            MethodOptions.Types.IdempotencyLevel.Idempotent => "Idempotent",
            _ => "Unknown",
        };
        return new RpcMethod(
            method.Name,
            types.Resolve(method.InputType),
            types.Resolve(method.OutputType),
            kind,
            idempotency,
            clientStreaming,
            serverStreaming,
            method.Options?.Deprecated == true,
            index);
    }
}
