using Mesh.Booking.Tests.Support;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Booking.Tests;

/// <summary>The booking service describes its own REST routes: /openapi/v1.json on its http endpoint lists every http rule.</summary>
public sealed class OpenApiDocumentTests(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    [Fact]
    public async Task The_document_lists_every_http_rule()
    {
        using var http = new HttpClient { BaseAddress = fixture.Services.GetRequiredService<ServiceEndpoints>().HttpAddress };
        var document = await OpenApiRoutes.FetchAsync(http, TestContext.Current.CancellationToken);
        Assert.Equal(OpenApiRoutes.Declared(Mesh.Booking.V1.Booking.Descriptor), OpenApiRoutes.Listed(document));
    }
}
