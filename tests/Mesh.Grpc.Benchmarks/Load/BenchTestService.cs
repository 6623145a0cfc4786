using Google.Protobuf;
using Grpc.Testing;

namespace Mesh.Grpc.Benchmarks.Load;

/// <summary>
/// The two TestService methods the load benchmarks drive, doing the same work as the C++ and grpc-js
/// reference servers: a payload of zeros of the requested size. Nothing else (no echo metadata, no
/// compression checks), so the numbers measure the gRPC runtime, not the interop harness.
/// </summary>
public sealed class BenchTestService : TestService.TestServiceBase
{
    public override Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context) =>
        Task.FromResult(new SimpleResponse { Payload = new Payload { Body = ZeroPayloads.Get(request.ResponseSize) } });

    public override async Task StreamingOutputCall(StreamingOutputCallRequest request,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream, ServerCallContext context)
    {
        foreach (var parameters in request.ResponseParameters)
            await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = new Payload { Body = ZeroPayloads.Get(parameters.Size) } });
    }
}

/// <summary>Zero-filled ByteStrings (immutable, so sharing them between calls is safe).</summary>
internal static class ZeroPayloads
{
    private static readonly ByteString[] Small = Enumerable.Range(0, 1025).Select(n => ByteString.CopyFrom(new byte[n])).ToArray();

    public static ByteString Get(int size) => (uint)size < (uint)Small.Length ? Small[size] : ByteString.CopyFrom(new byte[size]);
}
