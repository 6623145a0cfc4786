using Google.Protobuf;
using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Mesh.Grpc.Reflection;

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection, still the only version some clients speak. Its
/// messages are wire-identical to v1's (same fields, same numbers), so requests and responses are
/// transcoded through bytes and answered by the same <see cref="ReflectionSession"/> as v1.
/// </summary>
public class ReflectionV1AlphaServiceImpl : V1Alpha.ServerReflection.ServerReflectionBase
{
    public ReflectionV1AlphaServiceImpl(params ServiceDescriptor[] services) : this(new ReflectionIndex(services)) { }

    public ReflectionV1AlphaServiceImpl(ReflectionIndex index) => Index = index ?? throw new ArgumentNullException(nameof(index));

    public ReflectionIndex Index { get; }

    public override async Task ServerReflectionInfo(IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requestStream,
        IServerStreamWriter<V1Alpha.ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        var session = new ReflectionSession(Index);
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requestStream.Current.ToByteString());
            var response = session.Answer(request);
            await responseStream.WriteAsync(V1Alpha.ServerReflectionResponse.Parser.ParseFrom(response.ToByteString())).ConfigureAwait(false);
        }
    }
}
