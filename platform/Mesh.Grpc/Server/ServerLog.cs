using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Server;

/// <summary>The server's log messages, defined once so logging a call allocates no format state.</summary>
internal static class ServerLog
{
    private static readonly Action<ILogger, string, string, Exception?> HandlerFailed =
        LoggerMessage.Define<string, string>(LogLevel.Error, new EventId(1, "HandlerFailed"),
            "Error when executing service method '{Method}' (trace id {TraceId}).");

    private static readonly Action<ILogger, string, StatusCode, string, Exception?> RpcFailed =
        LoggerMessage.Define<string, StatusCode, string>(LogLevel.Debug, new EventId(2, "RpcFailed"),
            "Service method '{Method}' ended with status {StatusCode}: {Detail}");

    private static readonly Action<ILogger, string, Exception?> DeadlineExceeded =
        LoggerMessage.Define<string>(LogLevel.Debug, new EventId(3, "DeadlineExceeded"),
            "Deadline of '{Method}' exceeded.");

    private static readonly Action<ILogger, string, Exception?> StatusWriteFailed =
        LoggerMessage.Define<string>(LogLevel.Debug, new EventId(4, "StatusWriteFailed"),
            "Could not send the status of '{Method}'; the client has probably gone.");

    private static readonly Action<ILogger, string, Exception?> ClientCancelled =
        LoggerMessage.Define<string>(LogLevel.Debug, new EventId(5, "ClientCancelled"),
            "Call to '{Method}' was cancelled by the client.");

    private static readonly Action<ILogger, string, Exception?> InvalidTimeout =
        LoggerMessage.Define<string>(LogLevel.Debug, new EventId(6, "InvalidTimeout"),
            "Ignoring an invalid grpc-timeout header '{Value}'.");

    public static void LogHandlerFailed(this ILogger logger, string method, string traceId, Exception ex) => HandlerFailed(logger, method, traceId, ex);
    public static void LogRpcFailed(this ILogger logger, string method, Status status) => RpcFailed(logger, method, status.StatusCode, status.Detail, null);
    public static void LogDeadlineExceeded(this ILogger logger, string method) => DeadlineExceeded(logger, method, null);
    public static void LogStatusWriteFailed(this ILogger logger, string method, Exception ex) => StatusWriteFailed(logger, method, ex);
    public static void LogClientCancelled(this ILogger logger, string method) => ClientCancelled(logger, method, null);
    public static void LogInvalidTimeout(this ILogger logger, string value) => InvalidTimeout(logger, value, null);
}
