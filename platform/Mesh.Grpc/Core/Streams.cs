namespace Mesh.Grpc;

/// <summary>Reads a stream of messages (request stream on a server, response stream on a client).</summary>
public interface IAsyncStreamReader<out T>
{
    T Current { get; }

    /// <summary>Advances to the next message; false at the end of the stream.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken);
}

/// <summary>Writes a stream of messages.</summary>
public interface IAsyncStreamWriter<in T>
{
    Task WriteAsync(T message);

    /// <summary>Write with a token that cancels the write only.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken) => WriteAsync(message);

    WriteOptions? WriteOptions { get; set; }
}

/// <summary>The response stream of a server- or bidi-streaming call, seen by the server.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T> { }

/// <summary>The request stream of a client- or bidi-streaming call, seen by the client.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Half-closes the request stream: no more messages will be sent.</summary>
    Task CompleteAsync();
}

[Flags]
public enum WriteFlags
{
    None = 0,
    BufferHint = 1,

    /// <summary>Send this message uncompressed even when the call compresses.</summary>
    NoCompress = 2,
}

public sealed class WriteOptions
{
    public static readonly WriteOptions Default = new();
    public WriteOptions(WriteFlags flags = WriteFlags.None) => Flags = flags;
    public WriteFlags Flags { get; }
}

/// <summary>Helpers for stream readers.</summary>
public static class AsyncStreamReaderExtensions
{
    /// <summary>Enumerates every remaining message (as grpc-dotnet's ReadAllAsync).</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
            yield return reader.Current;
    }
}
