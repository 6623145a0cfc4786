namespace Mesh.Manifests.AppModel;

/// <summary>The app model as the manifests need it: its workloads and the secrets they name.</summary>
public sealed record MeshModel(IReadOnlyList<Workload> Workloads, IReadOnlyList<string> SecretNames)
{
    public IEnumerable<Workload> Services => Workloads.Where(w => w.Kind == WorkloadKind.Service);
    public IEnumerable<Workload> Servers => Workloads.Where(w => w.Kind == WorkloadKind.Server);

    public Workload this[string name] => Workloads.Single(w => w.Name == name);

    /// <summary>The workloads that call <paramref name="name"/>, in name order.</summary>
    public IReadOnlyList<string> CallersOf(string name) =>
        [.. Workloads.Where(w => w.References.Contains(name)).Select(w => w.Name).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The edge: services nobody in the model calls. Outsiders reach the mesh through them alone (Aspire's manifest has
    /// no notion of "public"; in this app model the REST gateway is the one such service).
    /// </summary>
    public IReadOnlyList<Workload> Edge => [.. Services.Where(s => CallersOf(s.Name).Count == 0)];
}
