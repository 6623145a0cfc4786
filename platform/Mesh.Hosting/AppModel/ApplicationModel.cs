namespace Mesh.Hosting;

/// <summary>
/// The finished, inspectable model: every resource with its endpoints, references, waits, replicas and
/// environment. The orchestrator runs it; manifest generators (Kubernetes/Istio) read it.
/// </summary>
public sealed class ApplicationModel
{
    public ApplicationModel(IReadOnlyList<IResource> resources)
    {
        Resources = resources;
        StartOrder = Sort(resources);
    }

    public IReadOnlyList<IResource> Resources { get; }

    /// <summary>Resources in an order where every one comes after what it waits for and its parent.</summary>
    public IReadOnlyList<IResource> StartOrder { get; }

    public IResource this[string name] => Resources.FirstOrDefault(r => r.Name == name)
        ?? throw new KeyNotFoundException($"No resource named '{name}'.");

    /// <summary>What must be healthy before <paramref name="resource"/> starts.</summary>
    public static IEnumerable<IResource> Dependencies(IResource resource)
    {
        if (resource is IResourceWithParent child) yield return child.Parent;
        if (resource is ProcessResource process)
            foreach (var w in process.WaitsFor) yield return w;
    }

    private static IReadOnlyList<IResource> Sort(IReadOnlyList<IResource> resources)
    {
        var order = new List<IResource>();
        var state = new Dictionary<IResource, bool>(); // false = visiting, true = done
        foreach (var r in resources) Visit(r, new Stack<IResource>());
        return order;

        void Visit(IResource r, Stack<IResource> path)
        {
            if (state.TryGetValue(r, out var done))
            {
                if (!done)
                    throw new InvalidOperationException($"Resources wait for each other in a cycle: {string.Join(" → ", path.Reverse().Select(p => p.Name))} → {r.Name}.");
                return;
            }
            state[r] = false;
            path.Push(r);
            foreach (var d in Dependencies(r)) Visit(d, path);
            path.Pop();
            state[r] = true;
            order.Add(r);
        }
    }
}
