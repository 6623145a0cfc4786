using Grpc.Core;
using Mesh.Catalog.V1;

namespace Mesh.Hosting.TestService;

/// <summary>
/// One method of the real catalog contract (ListCities, public, GET /v1/cities through the edge), served so the
/// dashboard test can put the real gateway in front of a light service: the edge routes by the contract's
/// google.api.http rule, this answers over gRPC and makes one more hop (HTTP to <c>items</c>), so one REST call
/// yields a trace across the gateway and two services without databases. Every other method stays UNIMPLEMENTED.
/// </summary>
internal sealed class CitiesStandIn(IConfiguration config) : Mesh.Catalog.V1.Catalog.CatalogBase
{
    private static readonly HttpClient Upstream = new() { Timeout = TimeSpan.FromSeconds(10) };

    public override async Task<ListCitiesResponse> ListCities(ListCitiesRequest request, ServerCallContext context)
    {
        if (config["services:items:http:0"] is not { } items)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "no address for 'items'"));
        // The downstream hop: what items answers is irrelevant, that it is called within this span is the point.
        await Upstream.GetStringAsync(new Uri(new Uri(items), "/config"), context.CancellationToken);
        var response = new ListCitiesResponse();
        response.Cities.Add(new City { Id = "teston", Name = "Teston", CountryCode = "DE", TimeZone = "Europe/Berlin" });
        return response;
    }
}
