using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Mesh.Manifests.Tests;

/// <summary>
/// Who may call whom, two ways: from the app model's <c>WithReference</c> annotations (a database counts as its
/// server), and from the AuthorizationPolicies of a built overlay. Each is a map from workload to the principals of
/// its callers; the manifests are right when the two maps are equal.
/// </summary>
public static class AuthorizationGraph
{
    private const string Ingress = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";
    private static string Principal(string serviceAccount) => $"cluster.local/ns/mesh/sa/{serviceAccount}";

    /// <summary>Workload → the principals the app model says call it; a project nobody references is called by the ingress.</summary>
    public static SortedDictionary<string, SortedSet<string>> FromAppModel(IDistributedApplicationBuilder builder)
    {
        var workloads = builder.Resources.Where(r => r.GetType() == typeof(ProjectResource) || r is ContainerResource).ToList();
        var names = workloads.Select(w => w.Name).ToHashSet();
        var graph = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var workload in workloads) graph[workload.Name] = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var caller in workloads)
            foreach (var reference in caller.Annotations.OfType<ResourceRelationshipAnnotation>().Where(a => a.Type == "Reference"))
            {
                var target = Workload(reference.Resource);
                if (names.Contains(target.Name) && target.Name != caller.Name) graph[target.Name].Add(Principal(caller.Name));
            }
        foreach (var project in workloads.OfType<ProjectResource>().Where(p => graph[p.Name].Count == 0))
            graph[project.Name].Add(Ingress);
        return graph;
    }

    /// <summary>Workload → the principals its AuthorizationPolicies allow; a rule without a source allows everyone (<c>*</c>).</summary>
    public static SortedDictionary<string, SortedSet<string>> FromPolicies(IEnumerable<JsonObject> objects)
    {
        var graph = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var policy in objects.Where(o => (string?)o["kind"] == "AuthorizationPolicy"))
        {
            var spec = policy["spec"] as JsonObject ?? [];
            if ((string?)spec["selector"]?["matchLabels"]?["app.kubernetes.io/name"] is not { } workload) continue;
            if ((string?)spec["action"] is not (null or "ALLOW"))
                throw new InvalidDataException($"{policy["metadata"]?["name"]}: only ALLOW policies are expected, not {spec["action"]}");
            var principals = graph.TryGetValue(workload, out var existing) ? existing : graph[workload] = new(StringComparer.Ordinal);
            foreach (var rule in spec["rules"] as JsonArray ?? [])
            {
                var sources = (rule?["from"] as JsonArray ?? []).Select(f => f?["source"]).ToList();
                if (sources.Count == 0) principals.Add("*");
                foreach (var source in sources)
                {
                    var named = (source?["principals"] as JsonArray ?? []).Select(p => (string)p!).ToList();
                    if (named.Count == 0 || source!.AsObject().Count > 1) principals.Add("*"); // namespaces, ipBlocks…: wider than principals
                    foreach (var p in named) principals.Add(p);
                }
            }
        }
        return graph;
    }

    /// <summary>What differs, one line per workload, in words a failing test can print.</summary>
    public static List<string> Differences(
        IReadOnlyDictionary<string, SortedSet<string>> expected, IReadOnlyDictionary<string, SortedSet<string>> actual)
    {
        var lines = new List<string>();
        foreach (var name in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            var want = expected.GetValueOrDefault(name) ?? [];
            var have = actual.GetValueOrDefault(name) ?? [];
            var missing = want.Except(have).ToList();
            var extra = have.Except(want).ToList();
            if (!expected.ContainsKey(name)) lines.Add($"{name}: a policy for a workload the app model does not have");
            else if (!actual.ContainsKey(name)) lines.Add($"{name}: no AuthorizationPolicy");
            if (missing.Count > 0) lines.Add($"{name}: not allowed but referenced by {string.Join(", ", missing)}");
            if (extra.Count > 0) lines.Add($"{name}: allowed but not referenced: {string.Join(", ", extra)}");
        }
        return lines;
    }

    private static IResource Workload(IResource resource) =>
        resource is IResourceWithParent child ? Workload(child.Parent) : resource;
}
