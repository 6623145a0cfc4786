using Mesh.Grpc.Client;
using Xunit;

namespace Mesh.Grpc.Tests.Client;

/// <summary>One grpc-js echo server (and a channel to it) shared by a test class.</summary>
public sealed class NodeEchoFixture : IAsyncLifetime
{
    private NodeEchoServer? _server;

    internal Uri Address => _server!.Address;
    public GrpcChannel Channel { get; private set; } = null!;
    public CallInvoker Invoker { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NodeEchoServer.StartAsync();
        Channel = GrpcChannel.ForAddress(_server.Address);
        Invoker = Channel.CreateCallInvoker();
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }
}
