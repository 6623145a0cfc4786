using System.Text.Json.Nodes;

namespace Mesh.Manifests.Tests;

/// <summary>
/// Every overlay builds with `kubectl kustomize`, and every object it yields validates against the Kubernetes
/// and Istio schemas (tests/node/validate-manifests.mjs: kubernetes-models and @kubernetes-models/istio).
/// </summary>
public sealed class SchemaTests
{
    public static TheoryData<string> Targets => [.. Kustomize.Targets];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_object_of_the_build_validates_against_its_schema(string target)
    {
        var build = await Kustomize.BuildAsync(target);
        Assert.True(build.ExitCode == 0, $"kubectl kustomize istio/{target}: {build}");
        var objects = ManifestYaml.Objects(build.StandardOutput);

        var result = await ValidateAsync(build.StandardOutput);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(objects.Count, (int)JsonNode.Parse(result.StandardOutput)!["validated"]!);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Each_build_holds_the_kinds_the_deployment_needs(string target)
    {
        var kinds = (await Kustomize.ObjectsAsync(target)).Select(o => (string)o["kind"]!).ToHashSet();
        string[] always = ["Namespace", "ServiceAccount", "Service", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
            "PeerAuthentication", "AuthorizationPolicy", "DestinationRule", "VirtualService", "Gateway", "Telemetry"];
        Assert.Empty(always.Except(kinds));
        // The servers run in the cluster except in prod-external, where the cluster's managed services replace them.
        Assert.Equal(target != "overlays/prod-external", kinds.Contains("StatefulSet"));
    }

    [Fact]
    public async Task The_validator_rejects_an_object_that_breaks_its_schema()
    {
        const string broken = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: broken }
            spec:
              selector: { matchLabels: { app: broken } }
              template:
                spec:
                  containers: [{ name: broken, ports: [{ containerPort: "eighty" }] }]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: broken }
            spec: { host: a, trafficPolicy: { outlierDetection: { consecutive5xxErrors: many } } }
            ---
            apiVersion: example.io/v1
            kind: Unknown
            metadata: { name: unknown }
            """;
        var result = await ValidateAsync(broken);
        Assert.Equal(1, result.ExitCode);
        var errors = JsonNode.Parse(result.StandardOutput)!["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Contains(errors, e => e.StartsWith("Deployment broken:", StringComparison.Ordinal) && e.Contains("containerPort", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("DestinationRule broken:", StringComparison.Ordinal) && e.Contains("consecutive5xxErrors", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Unknown unknown: no schema", StringComparison.Ordinal));
    }

    private static Task<ProcessResult> ValidateAsync(string yaml) => ProcessRun.RunAsync("node", [Repo.NodeValidator], yaml);
}
