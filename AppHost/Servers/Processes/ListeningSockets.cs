namespace Mesh.Servers.Processes;

/// <summary>
/// Which process listens on a port, from /proc. Accepting connections is not proof that our server is the one
/// listening: epmd, for one, exits quietly when its port is taken, and a probe then reaches whoever holds the port.
/// </summary>
internal static class ListeningSockets
{
    private const string Listen = "0A"; // TCP_LISTEN in /proc/net/tcp's "st" column

    /// <summary>True when process <paramref name="pid"/> holds a TCP socket listening on <paramref name="port"/>.</summary>
    public static bool IsListening(int pid, int port)
    {
        var inodes = ListeningInodes(port);
        if (inodes.Count == 0) return false;
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal) &&
                    inodes.Contains(target["socket:[".Length..^1]))
                    return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone (or not ours to look at): not a listener we can vouch for.
        }
        return false;
    }

    private static HashSet<string> ListeningInodes(int port)
    {
        // Lines look like "  0: 0100007F:1F90 00000000:0000 0A … <inode> …": local address:port in hex, state, inode tenth.
        var suffix = $":{port:X4}";
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == Listen && f[1].EndsWith(suffix, StringComparison.Ordinal)) inodes.Add(f[9]);
            }
        }
        return inodes;
    }
}
