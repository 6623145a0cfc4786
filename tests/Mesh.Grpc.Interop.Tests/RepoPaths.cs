using System.Reflection;

namespace Mesh.Grpc.Interop.Tests;

/// <summary>Where the peers live: found from the repository root (the directory holding Mesh.sln).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string NodeDir => Path.Combine(Root, "tests", "node");

    /// <summary>
    /// The built Mesh.Grpc.Interop.dll of the same Configuration as this test assembly (Release under
    /// ./mesh test); if that one is missing, the newest build there is.
    /// </summary>
    public static string InteropDll { get; } = FindInteropDll();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Mesh.sln above {AppContext.BaseDirectory}: cannot find the repository root.");
    }

    private static string FindInteropDll()
    {
        var bin = Path.Combine(Root, "platform", "Mesh.Grpc.Interop", "bin");
        var configuration = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Configuration")?.Value;
        if (configuration is not null)
        {
            var preferred = Path.Combine(bin, configuration, "net10.0", "Mesh.Grpc.Interop.dll");
            if (File.Exists(preferred)) return preferred;
        }
        var newest = Directory.Exists(bin)
            ? Directory.EnumerateFiles(bin, "Mesh.Grpc.Interop.dll", SearchOption.AllDirectories)
                .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            $"Mesh.Grpc.Interop.dll is not built under {bin}: build platform/Mesh.Grpc.Interop (the test project references it).");
    }
}
