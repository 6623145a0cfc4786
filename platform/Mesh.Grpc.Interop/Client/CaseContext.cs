using Google.Protobuf;
using Grpc.Testing;
using Mesh.Grpc.Client;

namespace Mesh.Grpc.Interop.Client;

/// <summary>What a case runs against: one channel to the server (through the frame probe) and its clients.</summary>
public sealed class CaseContext : IDisposable
{
    public CaseContext(Uri address, string? authority)
    {
        var sockets = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
        };
        Probe = new ResponseFrameProbe(sockets, authority);
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = Probe, DisposeHttpClient = true });
        var invoker = Channel.CreateCallInvoker();
        Client = new TestService.TestServiceClient(invoker);
        UnimplementedClient = new UnimplementedService.UnimplementedServiceClient(invoker);
    }

    public GrpcChannel Channel { get; }
    public ResponseFrameProbe Probe { get; }
    public TestService.TestServiceClient Client { get; }
    public UnimplementedService.UnimplementedServiceClient UnimplementedClient { get; }

    /// <summary>A guard for the whole case, so a hung call fails the case instead of hanging it.</summary>
    public CancellationToken CaseTimeout { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(45)).Token;

    public static Payload Zeros(int size) => new() { Type = PayloadType.Compressable, Body = ByteString.CopyFrom(new byte[size]) };

    /// <summary>The request large_unary and several other cases send.</summary>
    public static SimpleRequest LargeUnaryRequest() => new()
    {
        ResponseType = PayloadType.Compressable,
        ResponseSize = 314159,
        Payload = Zeros(271828),
    };

    public void Dispose() => Channel.Dispose();
}
