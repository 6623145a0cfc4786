namespace Mesh.Grpc;

/// <summary>Per-call options on the client (immutable; the With* methods return a copy).</summary>
public readonly struct CallOptions
{
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default,
                       WriteOptions? writeOptions = null, string? compression = null)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        WriteOptions = writeOptions;
        Compression = compression;
    }

    public Metadata? Headers { get; }

    /// <summary>Absolute UTC time after which the call fails with DEADLINE_EXCEEDED; null for none.</summary>
    public DateTime? Deadline { get; }

    public CancellationToken CancellationToken { get; }
    public WriteOptions? WriteOptions { get; }

    /// <summary>Request compression for this call ("gzip" or "identity"); null for the channel's default.</summary>
    public string? Compression { get; }

    public CallOptions WithHeaders(Metadata? headers) => new(headers, Deadline, CancellationToken, WriteOptions, Compression);
    public CallOptions WithDeadline(DateTime? deadline) => new(Headers, deadline, CancellationToken, WriteOptions, Compression);
    public CallOptions WithCancellationToken(CancellationToken token) => new(Headers, Deadline, token, WriteOptions, Compression);
    public CallOptions WithWriteOptions(WriteOptions? writeOptions) => new(Headers, Deadline, CancellationToken, writeOptions, Compression);
    public CallOptions WithCompression(string? compression) => new(Headers, Deadline, CancellationToken, WriteOptions, compression);
}
