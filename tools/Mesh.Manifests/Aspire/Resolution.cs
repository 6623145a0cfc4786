namespace Mesh.Manifests.Aspire;

/// <summary>What resolving one workload's expressions touched: the secret parameters and the workloads it names.</summary>
public sealed class Resolution
{
    public SortedSet<string> Secrets { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> References { get; } = new(StringComparer.Ordinal);
}
