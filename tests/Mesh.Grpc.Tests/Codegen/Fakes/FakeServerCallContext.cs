namespace Mesh.Grpc.Tests.Codegen.Fakes;

/// <summary>A ServerCallContext with nothing behind it but a cancellation token and plain fields.</summary>
internal sealed class FakeServerCallContext(string method = "/test/Method", CancellationToken cancellationToken = default) : ServerCallContext
{
    private Status _status;
    private WriteOptions? _writeOptions;

    protected override string MethodCore => method;
    protected override string HostCore => "127.0.0.1";
    protected override string PeerCore => "ipv4:127.0.0.1:1";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore { get; } = new();
    protected override CancellationToken CancellationTokenCore => cancellationToken;
    protected override Metadata ResponseTrailersCore { get; } = new();
    protected override Status StatusCore { get => _status; set => _status = value; }
    protected override WriteOptions? WriteOptionsCore { get => _writeOptions; set => _writeOptions = value; }
    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
