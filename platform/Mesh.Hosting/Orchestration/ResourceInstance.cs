using Mesh.Servers.Processes;

namespace Mesh.Hosting;

public enum ResourceState
{
    Waiting,
    Starting,
    Running,
    Unhealthy,
    Exited,
    Failed,
    Stopping,
    Stopped,
}

/// <summary>
/// What is running for one resource (a server, a database) or one replica of a process: its state,
/// pid, endpoints, restarts and log. The dashboard and tests read it; the orchestrator writes it.
/// </summary>
public sealed class ResourceInstance
{
    private readonly Lock _gate = new();

    internal ResourceInstance(IResource resource, int replica, string displayName, string kind)
    {
        Resource = resource;
        Replica = replica;
        DisplayName = displayName;
        Kind = kind;
    }

    public IResource Resource { get; }
    public int Replica { get; }
    public string DisplayName { get; }

    /// <summary>"postgres", "database", "redis", "rabbitmq", "project", "executable".</summary>
    public string Kind { get; }

    public ResourceState State { get; private set; } = ResourceState.Waiting;
    public string? StateDetail { get; private set; }
    public int? Pid { get; internal set; }
    public int RestartCount { get; internal set; }
    public DateTime? StartedAt { get; internal set; }
    public IReadOnlyDictionary<string, Uri> Endpoints { get; internal set; } = new Dictionary<string, Uri>();
    public LogTail? Log { get; internal set; }

    /// <summary>Raised after every state change (from orchestrator threads).</summary>
    public event Action<ResourceInstance>? StateChanged;

    internal void SetState(ResourceState state, string? detail = null)
    {
        lock (_gate)
        {
            State = state;
            StateDetail = detail;
        }
        StateChanged?.Invoke(this);
    }

    public override string ToString() => $"{DisplayName} [{State}]";
}
