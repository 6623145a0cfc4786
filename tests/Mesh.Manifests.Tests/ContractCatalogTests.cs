using Mesh.Manifests.Contracts;

namespace Mesh.Manifests.Tests;

/// <summary>The compiled contracts as the generator reads them: each method's path, idempotency and streaming.</summary>
public sealed class ContractCatalogTests
{
    private static readonly ContractCatalog Contracts = ContractCatalog.FromContractsAssembly();

    [Theory]
    [InlineData("payment", "/mesh.payment.v1.Payments/CreatePayment", false, false)]
    [InlineData("payment", "/mesh.payment.v1.Payments/GetPayment", true, false)]
    [InlineData("payment", "/mesh.payment.v1.Payments/CapturePayment", true, false)]
    [InlineData("booking", "/mesh.booking.v1.Booking/WatchHold", true, true)]
    [InlineData("booking", "/mesh.booking.v1.Booking/Checkout", false, false)]
    [InlineData("users", "/mesh.users.v1.Users/Login", false, false)]
    public void A_method_is_marked_as_its_proto_says(string service, string path, bool idempotent, bool streaming)
    {
        var method = Assert.Single(Contracts.MethodsOf(service), m => m.Path == path);
        Assert.Equal(idempotent, method.Idempotent);
        Assert.Equal(streaming, method.Streaming);
    }

    [Fact]
    public void The_edge_has_no_contract_and_every_service_of_ours_has_one()
    {
        Assert.Empty(Contracts.MethodsOf("gateway"));
        foreach (var service in new[] { "users", "catalog", "payment", "booking", "rating" })
            Assert.NotEmpty(Contracts.MethodsOf(service));
    }

    [Fact]
    public void REST_rules_come_with_their_methods()
    {
        var watch = Contracts.MethodsOf("booking").Single(m => m.Path.EndsWith("/WatchHold", StringComparison.Ordinal));
        var route = Assert.Single(watch.RestTemplates);
        Assert.Equal("GET", route.Verb);
        Assert.EndsWith(":watch", route.Template, StringComparison.Ordinal);
    }
}
