using System.Text.Json.Nodes;
using Mesh.Manifests.Contracts;

namespace Mesh.Manifests.Tests;

/// <summary>
/// Retries follow the contracts: no method the proto leaves without NO_SIDE_EFFECTS or IDEMPOTENT is retried by any
/// VirtualService of any build, while the idempotent unary ones are.
/// </summary>
public sealed class RetryTests
{
    private static readonly ContractCatalog Contracts = ContractCatalog.FromContractsAssembly();

    public static TheoryData<string> Targets => [.. Kustomize.Targets];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task No_method_with_side_effects_is_retried_in_any_VirtualService(string target)
    {
        var objects = await Kustomize.ObjectsAsync(target);
        var (failures, checkedRequests) = NonIdempotentRetries(objects);
        Assert.Empty(failures);
        Assert.True(checkedRequests > 100, $"only {checkedRequests} requests checked");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Idempotent_unary_methods_are_retried_by_their_service(string target)
    {
        var objects = await Kustomize.ObjectsAsync(target);
        var notRetried = new List<string>();
        foreach (var (service, vs) in ServiceRoutes(objects))
        {
            var grpc = PortOf(objects, service, "grpc");
            notRetried.AddRange(Contracts.MethodsOf(service).Where(m => m is { Idempotent: true, Streaming: false })
                .Where(m => !RetryCheck.Retries(vs, new RouteRequest(m.Path, "POST", grpc)))
                .Select(m => m.Path));
        }
        Assert.Empty(notRetried);
        Assert.Contains(ServiceRoutes(objects), r => r.Service == "catalog");
    }

    [Fact]
    public async Task A_retry_on_a_catch_all_route_is_found()
    {
        var objects = await Kustomize.ObjectsAsync("overlays/prod");
        var payment = objects.Single(o => (string?)o["kind"] == "VirtualService" && (string?)o["metadata"]!["name"] == "payment");
        var retrying = payment.DeepClone().AsObject();
        retrying["spec"]!["http"]!.AsArray().Single(r => (string?)r!["name"] == "grpc")!["retries"] = new JsonObject { ["attempts"] = 2 };

        var (failures, _) = NonIdempotentRetries([.. objects.Where(o => o != payment), retrying]);

        Assert.Contains("payment: /mesh.payment.v1.Payments/CreatePayment (POST) is retried", failures);
        Assert.DoesNotContain(failures, f => f.Contains("GetPayment", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_route_that_says_nothing_of_retries_counts_as_retrying()
    {
        // Istio retries a route without a retry policy: the generator must say attempts: 0, and the check insists.
        var objects = await Kustomize.ObjectsAsync("overlays/prod");
        var users = objects.Single(o => (string?)o["kind"] == "VirtualService" && (string?)o["metadata"]!["name"] == "users");
        var silent = users.DeepClone().AsObject();
        silent["spec"]!["http"]!.AsArray().Single(r => (string?)r!["name"] == "http")!.AsObject().Remove("retries");

        var (failures, _) = NonIdempotentRetries([.. objects.Where(o => o != users), silent]);

        Assert.Contains("users: /v1/users (POST) is retried", failures);
    }

    /// <summary>
    /// Every request a method with side effects can arrive as (gRPC, and REST per google.api.http rule), sent to every
    /// VirtualService: to our services on their own ports, to a gateway-bound one (the ingress) as REST.
    /// </summary>
    private static (List<string> Failures, int Checked) NonIdempotentRetries(List<JsonObject> objects)
    {
        var failures = new List<string>();
        var count = 0;
        var sideEffects = Contracts.AllMethods.Where(m => !m.Idempotent).ToList();
        foreach (var vs in objects.Where(o => (string?)o["kind"] == "VirtualService"))
        {
            var name = (string)vs["metadata"]!["name"]!;
            var service = ServiceOf(vs);
            var ingress = vs["spec"]!["gateways"] is JsonArray { Count: > 0 };
            foreach (var method in sideEffects)
            {
                var requests = ingress
                    ? method.RestTemplates.Select(r => new RouteRequest(RetryCheck.SamplePath(r.Template), r.Verb, null))
                    : RetryCheck.RequestsFor(method, PortOf(objects, service, "grpc"), PortOf(objects, service, "http"));
                foreach (var request in requests)
                {
                    count++;
                    if (RetryCheck.Retries(vs, request)) failures.Add($"{name}: {request.Path} ({request.Verb}) is retried");
                }
            }
        }
        return (failures, count);
    }

    private static IEnumerable<(string Service, JsonObject Vs)> ServiceRoutes(List<JsonObject> objects) =>
        objects.Where(o => (string?)o["kind"] == "VirtualService" && o["spec"]!["gateways"] is null)
            .Select(vs => (ServiceOf(vs), vs));

    /// <summary>The Service a mesh-internal VirtualService routes for: the first label of its host.</summary>
    private static string ServiceOf(JsonObject vs) => ((string)vs["spec"]!["hosts"]![0]!).Split('.')[0];

    /// <summary>The port of a Service that carries a protocol (its appProtocol), as callers address it.</summary>
    private static int? PortOf(List<JsonObject> objects, string service, string protocol) =>
        objects.Where(o => (string?)o["kind"] == "Service" && (string?)o["metadata"]!["name"] == service)
            .SelectMany(o => o["spec"]!["ports"]!.AsArray())
            .Where(p => (string?)p!["appProtocol"] == protocol)
            .Select(p => (int?)p!["port"])
            .FirstOrDefault();
}
