namespace Mesh.Grpc.Client.Balancing;

/// <summary>
/// Chooses the endpoint (server address) for each call attempt and learns from how attempts went.
/// The channel owns no endpoint policy of its own: everything about "which server" lives behind this
/// seam, so discovery (re-resolution), ejection with back-off and per-endpoint breakers can be added
/// by another picker without touching the call path.
/// </summary>
/// <remarks>Implementations are called concurrently from many calls and must be thread-safe.</remarks>
public interface IEndpointPicker
{
    /// <summary>The endpoints currently known (a snapshot; may change after an update).</summary>
    IReadOnlyList<Uri> Endpoints { get; }

    /// <summary>
    /// The endpoint for the next attempt of a call, or null when none may be used.
    /// <paramref name="alreadyTried"/> holds the endpoints this call could not connect to (empty on the first attempt):
    /// the channel retries a call on another endpoint only when the request never left the client.
    /// </summary>
    Uri? Pick(IMethod method, IReadOnlyCollection<Uri> alreadyTried);

    /// <summary>A connection to the endpoint could not be established (refused, unreachable, TLS failed).</summary>
    void ReportConnectFailure(Uri endpoint, Exception error);

    /// <summary>
    /// A call on the endpoint ended. <paramref name="transportFailure"/> is true when the status came from the
    /// connection breaking rather than from the server (the endpoint is then suspect).
    /// </summary>
    void ReportCallResult(Uri endpoint, StatusCode status, bool transportFailure);
}
