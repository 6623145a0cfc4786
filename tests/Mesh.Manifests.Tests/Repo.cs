namespace Mesh.Manifests.Tests;

/// <summary>Paths in the checkout these tests were built from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Istio => Path.Combine(Root, "istio");

    /// <summary>The build configuration these tests (and so the app host) were built in.</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";

    public static string AppHostDll => Path.Combine(Root, "AppHost", "bin", Configuration, "net10.0", "Mesh.AppHost.dll");

    public static string NodeValidator => Path.Combine(Root, "tests", "node", "validate-manifests.mjs");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("no Mesh.sln above " + AppContext.BaseDirectory);
    }
}
