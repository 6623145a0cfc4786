using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Mesh.Api.V1;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// One RPC the edge can call, built from its descriptor alone: a <see cref="Method{TRequest,TResponse}"/> over
/// <see cref="IMessage"/> whose marshallers use the descriptor's parsers, so no generated client is needed, and the
/// proto's idempotency level is carried along for the resilience policies.
/// </summary>
public sealed class GatewayMethod
{
    public GatewayMethod(MethodDescriptor descriptor, string backend)
    {
        Descriptor = descriptor;
        Backend = backend;
        var type = (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        Grpc = new Method<IMessage, IMessage>(type, descriptor.Service.FullName, descriptor.Name,
            MarshallerFor(descriptor.InputType), MarshallerFor(descriptor.OutputType), IdempotencyOf(descriptor));
        IsPublic = descriptor.GetOptions()?.GetExtension(AccessExtensions.Public) ?? false;
    }

    public MethodDescriptor Descriptor { get; }
    public string Backend { get; }
    public Method<IMessage, IMessage> Grpc { get; }

    /// <summary>"package.Service/Method": the name configuration uses for this method.</summary>
    public string FullName => $"{Descriptor.Service.FullName}/{Descriptor.Name}";

    /// <summary>The proto marks it (mesh.api.v1.public): callers need no bearer token.</summary>
    public bool IsPublic { get; }

    public IMessage NewRequest() => (IMessage)Activator.CreateInstance(Descriptor.InputType.ClrType)!;

    private static Marshaller<IMessage> MarshallerFor(MessageDescriptor type) => Marshallers.ForMessage(type);

    private static IdempotencyLevel IdempotencyOf(MethodDescriptor method) =>
        method.GetOptions()?.IdempotencyLevel switch
        {
            MethodOptions.Types.IdempotencyLevel.NoSideEffects => IdempotencyLevel.NoSideEffects,
            MethodOptions.Types.IdempotencyLevel.Idempotent => IdempotencyLevel.Idempotent,
            _ => IdempotencyLevel.Unknown,
        };
}
