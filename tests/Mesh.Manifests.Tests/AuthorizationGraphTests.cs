using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Mesh.Manifests.Aspire;

namespace Mesh.Manifests.Tests;

/// <summary>The AuthorizationPolicies allow exactly the calls the app model's references name, and nothing without them.</summary>
public sealed class AuthorizationGraphTests
{
    public static TheoryData<string> InClusterTargets => ["base", "overlays/dev", "overlays/prod"];
    public static TheoryData<string> AllTargets => [.. Kustomize.Targets];

    [Theory]
    [MemberData(nameof(InClusterTargets))]
    public async Task The_policies_allow_exactly_the_app_models_references(string target)
    {
        await using var builder = await AppHostModel.CreateBuilderAsync(AppHostModel.ContainerArgs, TestContext.Current.CancellationToken);
        var expected = AuthorizationGraph.FromAppModel(builder);
        var actual = AuthorizationGraph.FromPolicies(await Kustomize.ObjectsAsync(target));

        Assert.Empty(AuthorizationGraph.Differences(expected, actual));
        // The graph is not trivially empty: booking is called by the catalog, the edge, referral (ValidateCoupon's holds),
        // rating (verified purchases), support (the back office) and feed (upcoming bookings), PostgreSQL by every service with a database.
        Assert.Equal(["cluster.local/ns/mesh/sa/catalog", "cluster.local/ns/mesh/sa/feed", "cluster.local/ns/mesh/sa/gateway", "cluster.local/ns/mesh/sa/rating", "cluster.local/ns/mesh/sa/referral", "cluster.local/ns/mesh/sa/support"], expected["booking"]);
        Assert.Equal(11, expected["postgres"].Count);
    }

    [Fact]
    public async Task A_reference_added_to_the_app_model_without_regenerating_fails_the_check()
    {
        await using var builder = await AppHostModel.CreateBuilderAsync(AppHostModel.ContainerArgs, TestContext.Current.CancellationToken);
        var payment = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "payment");
        var catalog = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "catalog");
        builder.CreateResourceBuilder(payment).WithReference(builder.CreateResourceBuilder(catalog));

        var differences = AuthorizationGraph.Differences(
            AuthorizationGraph.FromAppModel(builder), AuthorizationGraph.FromPolicies(await Kustomize.ObjectsAsync("overlays/prod")));

        Assert.Equal(["catalog: not allowed but referenced by cluster.local/ns/mesh/sa/payment"], differences);
    }

    [Fact]
    public async Task A_policy_that_lets_anyone_in_fails_the_check()
    {
        await using var builder = await AppHostModel.CreateBuilderAsync(AppHostModel.ContainerArgs, TestContext.Current.CancellationToken);
        var objects = await Kustomize.ObjectsAsync("overlays/prod");
        var payment = objects.Single(o => (string?)o["kind"] == "AuthorizationPolicy" && (string?)o["metadata"]!["name"] == "payment");
        var opened = payment.DeepClone().AsObject();
        // A rule without a source: Istio lets any caller in through it, whatever the other rules say.
        opened["spec"]!["rules"]!.AsArray().Add(new JsonObject());

        var differences = AuthorizationGraph.Differences(
            AuthorizationGraph.FromAppModel(builder), AuthorizationGraph.FromPolicies([.. objects.Where(o => o != payment), opened]));

        Assert.Equal(["payment: allowed but not referenced: *"], differences);
    }

    [Theory]
    [MemberData(nameof(AllTargets))]
    public async Task Mutual_TLS_is_strict_and_the_namespace_denies_by_default(string target)
    {
        var objects = await Kustomize.ObjectsAsync(target);
        var peer = Assert.Single(objects, o => (string?)o["kind"] == "PeerAuthentication");
        Assert.Equal("STRICT", (string?)peer["spec"]!["mtls"]!["mode"]);
        Assert.Null(peer["spec"]!["selector"]);
        // An ALLOW policy with no selector and no rules matches no request: whatever has no policy of its own gets nothing.
        Assert.Single(objects, o => (string?)o["kind"] == "AuthorizationPolicy" && o["spec"] is JsonObject { Count: 0 });
    }
}
