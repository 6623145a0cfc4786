using Mesh.Rating.Tests.Support;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Rating.Tests;

/// <summary>The rating service describes its own REST routes: /openapi/v1.json on its http endpoint lists every http rule.</summary>
public sealed class OpenApiDocumentTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    [Fact]
    public async Task The_document_lists_every_http_rule()
    {
        using var http = new HttpClient { BaseAddress = fixture.RatingServices.GetRequiredService<ServiceEndpoints>().HttpAddress };
        var document = await OpenApiRoutes.FetchAsync(http, TestContext.Current.CancellationToken);
        var declared = OpenApiRoutes.Declared(V1.Rating.Descriptor);
        Assert.Equal(declared, OpenApiRoutes.Listed(document));
        Assert.Contains("POST /v1/{item}/reviews", declared);
    }
}
