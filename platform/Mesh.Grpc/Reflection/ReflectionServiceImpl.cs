using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using V1 = Grpc.Reflection.V1.ServerReflection;

namespace Mesh.Grpc.Reflection;

/// <summary>
/// grpc.reflection.v1.ServerReflection: lets tools such as buf curl and grpcurl discover the
/// server's services and message types with no .proto files. Register together with
/// <see cref="ReflectionV1AlphaServiceImpl"/> for clients that only speak the older v1alpha.
/// </summary>
public class ReflectionServiceImpl : V1.ServerReflectionBase
{
    public ReflectionServiceImpl(params ServiceDescriptor[] services) : this(new ReflectionIndex(services)) { }

    public ReflectionServiceImpl(ReflectionIndex index) => Index = index ?? throw new ArgumentNullException(nameof(index));

    public ReflectionIndex Index { get; }

    public override async Task ServerReflectionInfo(IAsyncStreamReader<ServerReflectionRequest> requestStream,
        IServerStreamWriter<ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        var session = new ReflectionSession(Index);
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            await responseStream.WriteAsync(session.Answer(requestStream.Current)).ConfigureAwait(false);
    }
}
