using System.Security.Cryptography;
using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>Keys from an issuer's JWKS URL (a real HTTP server here): a stale cache is fetched once, however many wait.</summary>
public sealed class JwksRefreshTests
{
    [Fact]
    public async Task Requests_that_find_the_keys_stale_together_fetch_them_once()
    {
        var ct = TestContext.Current.CancellationToken;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = key.ExportParameters(false).Q;
        var jwks = $$"""{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"{{Base64Url.Encode(point.X!)}}","y":"{{Base64Url.Encode(point.Y!)}}"}]}""";

        var fetches = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var issuer = builder.Build();
        issuer.MapGet("/jwks", async () =>
        {
            Interlocked.Increment(ref fetches);
            await Task.Delay(200, ct);   // slow enough that every caller below queues behind the first fetch
            return Results.Text(jwks, "application/json");
        });
        await issuer.StartAsync(ct);
        var url = new Uri(new Uri(issuer.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/jwks");

        using var http = new HttpClient();
        var keys = new JwksJwtKeys(http, url, TimeProvider.System);
        var found = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => keys.GetKeysAsync("k1", ct).AsTask()));

        Assert.All(found, k => Assert.Equal("k1", Assert.Single(k).KeyId));
        Assert.Equal(1, fetches);
    }
}
