namespace Mesh.AppHost;

/// <summary>The app host's few command-line options.</summary>
internal static class CommandLine
{
    /// <summary>--data DIR (./mesh up passes .mesh/data); default .mesh/data under the working directory.</summary>
    public static string DataDirectory(string[] args)
    {
        var i = Array.IndexOf(args, "--data");
        var dir = i >= 0 && i + 1 < args.Length ? args[i + 1] : Path.Combine(Environment.CurrentDirectory, ".mesh", "data");
        return Path.GetFullPath(dir);
    }
}
