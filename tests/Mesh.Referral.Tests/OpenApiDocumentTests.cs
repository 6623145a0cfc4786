using Mesh.Referral.Tests.Support;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Referral.Tests;

/// <summary>The referral service describes its own REST routes: /openapi/v1.json lists every http rule, and no internal method.</summary>
public sealed class OpenApiDocumentTests(ReferralFixture fixture) : IClassFixture<ReferralFixture>
{
    [Fact]
    public async Task The_document_lists_every_http_rule_and_no_internal_method()
    {
        using var http = new HttpClient { BaseAddress = fixture.ReferralServices.GetRequiredService<ServiceEndpoints>().HttpAddress };
        var listed = OpenApiRoutes.Listed(await OpenApiRoutes.FetchAsync(http, TestContext.Current.CancellationToken));
        Assert.Equal(OpenApiRoutes.Declared(V1.Referrals.Descriptor), listed);
        Assert.Equal(6, listed.Count); // ReserveRedemption and ReleaseRedemption (booking's saga only) have no route
    }
}
