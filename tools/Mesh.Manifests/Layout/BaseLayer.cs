using k8s.Models;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Contracts;
using Mesh.Manifests.Istio;
using Mesh.Manifests.Kubernetes;
using Mesh.Manifests.Kustomize;
using Mesh.Manifests.Output;

namespace Mesh.Manifests.Layout;

/// <summary>
/// istio/base: <c>mesh/</c> (the namespace, mesh-wide Istio policies, the edge, and a file per service),
/// <c>servers/</c> (a StatefulSet per server) and <c>external-servers/</c> (the same names pointing outside the
/// cluster, for the prod-external overlay). <c>base/kustomization.yaml</c> is the mesh with its own servers.
/// </summary>
public static class BaseLayer
{
    public const string Mesh = "base/mesh";
    public const string Servers = "base/servers";
    public const string ExternalServers = "base/external-servers";

    public static IEnumerable<ManifestFile> Files(MeshModel model, ContractCatalog contracts)
    {
        List<ManifestFile> mesh =
        [
            new($"{Mesh}/namespace.yaml", [NamespaceFactory.Create()]),
            new($"{Mesh}/policies.yaml", [MeshSecurityFactory.StrictMutualTls(), MeshSecurityFactory.AllowNothing(), TelemetryFactory.Create()]),
            new($"{Mesh}/edge.yaml", [EdgeFactory.Gateway(), EdgeFactory.Routes(model)]),
            .. model.Services.Select(s => new ManifestFile($"{Mesh}/{s.Name}.yaml", ServiceObjects(model, s, contracts))),
        ];
        var servers = model.Servers.Select(s => new ManifestFile($"{Servers}/{s.Name}.yaml", ServerObjects(model, s))).ToList();
        var external = model.Servers.Select(s => new ManifestFile($"{ExternalServers}/{s.Name}.yaml", ExternalServerObjects(s))).ToList();

        return
        [
            .. mesh, Kustomize(Mesh, mesh),
            .. servers, Kustomize(Servers, servers),
            .. external, Kustomize(ExternalServers, external),
            new("base/kustomization.yaml", [new Kustomization { Bases = ["mesh", "servers"] }]),
        ];
    }

    private static List<object> ServiceObjects(MeshModel model, Workload service, ContractCatalog contracts)
    {
        List<object> objects =
        [
            ServiceAccountFactory.Create(service),
            ServiceFactory.Create(service),
            DeploymentFactory.Create(service),
            AutoscalerFactory.Create(service),
            DisruptionBudgetFactory.Create(service),
            AuthorizationFactory.Create(model, service),
            DestinationRuleFactory.Create(service),
        ];
        // The edge is reached through the ingress gateway's routes (edge.yaml), not from inside the mesh.
        if (model.CallersOf(service.Name).Count > 0)
            objects.Add(VirtualServiceFactory.Create(service, contracts.MethodsOf(service.Name)));
        return objects;
    }

    private static List<object> ServerObjects(MeshModel model, Workload server) =>
    [
        ServiceAccountFactory.Create(server),
        ServiceFactory.Create(server),
        StatefulSetFactory.Create(server),
        AuthorizationFactory.Create(model, server),
        DestinationRuleFactory.Create(server),
    ];

    /// <summary>
    /// A managed server keeps its Service name, so no connection string changes: the Service becomes a DNS alias
    /// (ExternalName) of the provider's host, which the deployer sets in an overlay of their own (docs/deploy.md).
    /// </summary>
    private static List<object> ExternalServerObjects(Workload server) =>
    [
        new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = ObjectMeta.For(server.Name),
            Spec = new V1ServiceSpec
            {
                Type = "ExternalName",
                ExternalName = $"{server.Name}.example.com",
                Ports = [.. server.Ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, Protocol = "TCP", AppProtocol = p.Protocol })],
            },
        },
        DestinationRuleFactory.External(server),
    ];

    private static ManifestFile Kustomize(string directory, IEnumerable<ManifestFile> files) =>
        new($"{directory}/kustomization.yaml",
            [new Kustomization { Resources = [.. files.Select(f => Path.GetRelativePath(directory, f.Path))] }]);
}
