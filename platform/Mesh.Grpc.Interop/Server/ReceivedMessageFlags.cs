namespace Mesh.Grpc.Interop.Server;

/// <summary>
/// The compressed flag of every request message of one call, in arrival order (an HttpContext feature).
/// [CompressedRequest] needs it: the server must reject a message whose flag differs from what the
/// client said in expect_compressed.
/// </summary>
public sealed class ReceivedMessageFlags
{
    private readonly List<bool> _flags = new();

    public void Add(bool compressed)
    {
        lock (_flags) _flags.Add(compressed);
    }

    /// <summary>Whether the index-th request message (0-based) had the compressed flag; null if not seen.</summary>
    public bool? WasCompressed(int index)
    {
        lock (_flags) return index < _flags.Count ? _flags[index] : null;
    }
}
