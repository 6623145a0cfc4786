namespace Mesh.Hosting.Tests.AppHost;

/// <summary>Options for app models run inside tests: throw-away data, no build (the test build did it), no live console.</summary>
internal static class TestGraph
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static DistributedApplicationOptions Options(string dataDirectory) => new()
    {
        RootDirectory = DistributedApplicationOptions.FindRoot(AppContext.BaseDirectory)!,
        DataDirectory = dataDirectory,
        Ephemeral = true,
        BuildProjects = false,
        Configuration = Configuration,
        InteractiveConsole = false,
        StartTimeout = TimeSpan.FromSeconds(90),
    };

    public const string TestService = "tests/Mesh.Hosting.TestService";
}
