using k8s.Models;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Kubernetes;

/// <summary>
/// A workload's Service: its name is the host every other workload's environment names (<c>http://users:8081</c>),
/// and each port is named and typed by its protocol so Istio selects gRPC, HTTP or TCP without sniffing.
/// </summary>
public static class ServiceFactory
{
    public static V1Service Create(Workload workload) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = ObjectMeta.For(workload.Name),
        Spec = new V1ServiceSpec
        {
            Selector = MeshConventions.Selector(workload.Name),
            Ports = [.. workload.Ports.Select(p => new V1ServicePort
            {
                Name = p.Name,
                Port = p.Port,
                TargetPort = p.Name,
                Protocol = "TCP",
                AppProtocol = p.Protocol,
            })],
        },
    };
}
