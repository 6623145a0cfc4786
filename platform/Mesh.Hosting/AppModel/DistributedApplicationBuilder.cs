namespace Mesh.Hosting;

/// <summary>Builds the app model (Aspire's IDistributedApplicationBuilder).</summary>
public interface IDistributedApplicationBuilder
{
    /// <summary>Every resource, in the order it was added.</summary>
    IReadOnlyList<IResource> Resources { get; }

    DistributedApplicationOptions Options { get; }

    IResourceBuilder<T> AddResource<T>(T resource) where T : IResource;

    DistributedApplication Build();
}

/// <summary>How the orchestrator runs the model.</summary>
public sealed class DistributedApplicationOptions
{
    /// <summary>The repository root: project paths are relative to it.</summary>
    public string RootDirectory { get; set; } = FindRoot(Environment.CurrentDirectory) ?? Environment.CurrentDirectory;

    /// <summary>Where servers keep data and where logs go (./mesh up: .mesh/data).</summary>
    public string DataDirectory { get; set; } = Path.Combine(FindRoot(Environment.CurrentDirectory) ?? Environment.CurrentDirectory, ".mesh", "data");

    /// <summary>Throw-away data: servers run with durability off (tests).</summary>
    public bool Ephemeral { get; set; }

    /// <summary>Build every project resource once before starting (./mesh up); tests that built already turn it off.</summary>
    public bool BuildProjects { get; set; } = true;

    public string Configuration { get; set; } = "Release";

    /// <summary>OTLP endpoint given to every service as OTEL_EXPORTER_OTLP_ENDPOINT (the dashboard's receiver); null = none.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How long a resource may take to become healthy before start-up fails.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Everything is stopped within this time after Ctrl+C / SIGTERM.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Allocate every port, ignoring fixed ones such as the edge's 8080 (tests beside a running mesh).</summary>
    public bool RandomPorts { get; set; }

    /// <summary>
    /// The dashboard (UI + OTLP receiver) served by the host while the mesh runs; null = none. When set and
    /// <see cref="OtlpEndpoint"/> is null, services export their telemetry to it. <see cref="RandomPorts"/> moves it to free ports.
    /// </summary>
    public Dashboard.DashboardOptions? Dashboard { get; set; }

    /// <summary>Show the live start-up table on the console (off in tests).</summary>
    public bool InteractiveConsole { get; set; } = true;

    /// <summary>The directory holding Mesh.sln, walking up from <paramref name="start"/>.</summary>
    public static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        return null;
    }
}

internal sealed class DistributedApplicationBuilder(DistributedApplicationOptions options) : IDistributedApplicationBuilder
{
    private readonly List<IResource> _resources = new();

    public IReadOnlyList<IResource> Resources => _resources;
    public DistributedApplicationOptions Options { get; } = options;

    public IResourceBuilder<T> AddResource<T>(T resource) where T : IResource
    {
        if (!IsValidName(resource.Name))
            throw new ArgumentException($"Resource name '{resource.Name}' must be lower-case letters, digits and '-', starting with a letter (≤ 64).", nameof(resource));
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    public DistributedApplication Build() => new(new ApplicationModel(_resources.ToArray()), Options);

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && char.IsAsciiLetterLower(name[0]) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
