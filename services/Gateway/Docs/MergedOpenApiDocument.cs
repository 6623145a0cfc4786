using System.Text.Json.Nodes;

namespace Mesh.Gateway.Docs;

/// <summary>
/// The edge's <c>/openapi.json</c>: each fronted service's own document (<see cref="UpstreamPath"/> on its http
/// endpoint, found through service discovery) merged by <see cref="OpenApiMerger"/>. Built on first use and kept;
/// while a service's document could not be fetched (it was not up yet), the next request after
/// <see cref="RetryMissingAfter"/> tries that service again and rebuilds.
/// </summary>
public sealed class MergedOpenApiDocument(GatewayServices services, IHttpClientFactory http, TimeProvider clock, ILogger<MergedOpenApiDocument> logger)
{
    public const string UpstreamPath = "/openapi/v1.json";
    public const string HttpClientName = "openapi-upstreams";
    public static readonly TimeSpan RetryMissingAfter = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _building = new(1, 1);
    private readonly Dictionary<string, JsonObject> _fetched = new(StringComparer.Ordinal);
    private volatile Snapshot? _current;

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && !IsStale(current)) return current.Json;
        await _building.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } built && !IsStale(built)) return built.Json;
            var missing = new List<string>();
            foreach (var service in services.Backends)
            {
                if (_fetched.ContainsKey(service)) continue;
                if (await FetchAsync(service, cancellationToken) is { } document) _fetched[service] = document;
                else missing.Add(service);
            }
            var documents = services.Backends.Where(_fetched.ContainsKey).Select(s => (s, _fetched[s])).ToList();
            var json = OpenApiMerger.Merge(documents, missing).ToJsonString();
            _current = new Snapshot(json, missing.Count == 0, clock.GetTimestamp());
            return json;
        }
        finally
        {
            _building.Release();
        }
    }

    private bool IsStale(Snapshot snapshot) => !snapshot.Complete && clock.GetElapsedTime(snapshot.BuiltAt) >= RetryMissingAfter;

    private async Task<JsonObject?> FetchAsync(string service, CancellationToken cancellationToken)
    {
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var response = await client.GetAsync($"{Routing.ProxyConfiguration.DestinationAddress(service)}{UpstreamPath}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The OpenAPI document of {Service} answered {Status}; /openapi.json lacks it for now.", service, (int)response.StatusCode);
                return null;
            }
            return JsonNode.Parse(await response.Content.ReadAsStreamAsync(cancellationToken)) as JsonObject;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or InvalidOperationException)
        {
            logger.LogWarning(e, "The OpenAPI document of {Service} could not be fetched; /openapi.json lacks it for now.", service);
            return null;
        }
    }

    private sealed record Snapshot(string Json, bool Complete, long BuiltAt);
}
