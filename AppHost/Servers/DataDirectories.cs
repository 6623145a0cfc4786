using System.Diagnostics;
using Mesh.Servers.Processes;

namespace Mesh.Servers;

/// <summary>
/// Data directories for servers that run as their own system user (postgres, rabbitmq): the
/// directory must belong to that user, and every parent must let it pass.
/// </summary>
public static class DataDirectories
{
    /// <summary>Creates a directory, turning file-system errors into a start failure that names the server.</summary>
    public static void Create(string server, string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException(server, $"cannot create data directory {path}: {ex.Message}", "");
        }
    }

    /// <summary>Creates <paramref name="path"/> owned by <paramref name="user"/> (when we are root).</summary>
    public static void CreateOwnedBy(string path, string? user)
    {
        Create(user ?? "server", path);
        if (user is null || !Posix.IsRoot) return;
        AllowTraverse(Path.GetDirectoryName(Path.GetFullPath(path)));
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", $"{user}:{user}", path]) { RedirectStandardError = true })!;
        chown.WaitForExit();
        if (chown.ExitCode != 0)
            throw new ServerStartException(user, $"could not chown {path}: {chown.StandardError.ReadToEnd()}", "");
    }

    /// <summary>Adds o+x to the directory and its parents so another user can reach what is below.</summary>
    private static void AllowTraverse(string? dir)
    {
        for (; !string.IsNullOrEmpty(dir) && dir != "/"; dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
                File.SetUnixFileMode(dir, mode | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        }
    }

    /// <summary>A fresh throw-away directory under the system temp dir.</summary>
    public static string CreateTemporary(string prefix) => Directory.CreateTempSubdirectory(prefix).FullName;
}
