using Mesh.Grpc.Wire;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Server;

/// <summary>
/// GrpcServiceOptions resolved once when services are mapped: plain fields, so a call reads no
/// nullable options and does no lookups.
/// </summary>
internal sealed class ServerCallSettings
{
    public ServerCallSettings(GrpcServiceOptions options, IServiceProvider appServices, ILogger logger)
    {
        var compression = options.ResponseCompressionAlgorithm;
        if (compression is not null && !MessageCompression.IsSupported(compression))
            throw new InvalidOperationException(
                $"ResponseCompressionAlgorithm '{compression}' is not supported; use gzip, deflate or identity.");

        MaxReceiveMessageSize = options.MaxReceiveMessageSize ?? int.MaxValue;
        MaxSendMessageSize = options.MaxSendMessageSize ?? int.MaxValue;
        ResponseCompressionAlgorithm = MessageCompression.IsCompressing(compression) ? compression : null;
        EnableDetailedErrors = options.EnableDetailedErrors ?? false;
        Interceptors = new InterceptorPipeline(options.Interceptors, appServices);
        Logger = logger;
    }

    public int MaxReceiveMessageSize { get; }
    public int MaxSendMessageSize { get; }
    public string? ResponseCompressionAlgorithm { get; }
    public bool EnableDetailedErrors { get; }
    public InterceptorPipeline Interceptors { get; }
    public ILogger Logger { get; }
}
