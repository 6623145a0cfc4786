using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Mesh.Users.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Users.Tests;

/// <summary>
/// The users service describes its own REST routes: /openapi/v1.json on its http endpoint lists every http rule, and
/// nothing else it serves there (the OpenID documents, /health).
/// </summary>
public sealed class OpenApiDocumentTests(UsersFixture fixture) : IClassFixture<UsersFixture>
{
    [Fact]
    public async Task The_document_lists_every_http_rule_and_nothing_else()
    {
        using var http = new HttpClient { BaseAddress = fixture.Services.GetRequiredService<ServiceEndpoints>().HttpAddress };
        var document = await OpenApiRoutes.FetchAsync(http, TestContext.Current.CancellationToken);
        Assert.Equal(OpenApiRoutes.Declared(Mesh.Users.V1.Users.Descriptor), OpenApiRoutes.Listed(document));
    }
}
