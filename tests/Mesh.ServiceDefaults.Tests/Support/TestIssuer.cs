using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>
/// A tiny OpenID issuer on loopback, as the users service is one: /.well-known/openid-configuration naming its
/// /.well-known/jwks.json, and ES256 tokens signed with the current key (its kid in the header). <see cref="Rotate"/>
/// starts signing with a new key and publishes it next to the old one.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(string Kid, ECDsa Key)> _published = [];
    private int _jwksFetches;
    private int _keysMade;   // kids stay unique after a key is withdrawn

    private TestIssuer(WebApplication app)
    {
        _app = app;
        AddKey();
    }

    public Uri Address { get; private set; } = null!;
    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public (string Kid, ECDsa Key) Current
    {
        get { lock (_published) return _published[^1]; }
    }

    public static async Task<TestIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var issuer = new TestIssuer(app);
        app.MapGet(MeshTokens.DiscoveryPath, () => Results.Text(new JsonObject
        {
            ["issuer"] = MeshTokens.DefaultIssuer,
            ["jwks_uri"] = new Uri(issuer.Address, MeshTokens.JwksPath).ToString(),
            ["id_token_signing_alg_values_supported"] = new JsonArray(MeshTokens.Algorithm),
        }.ToJsonString(), "application/json"));
        app.MapGet(MeshTokens.JwksPath, () =>
        {
            Interlocked.Increment(ref issuer._jwksFetches);
            return Results.Text(issuer.Jwks(), "application/json");
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        issuer.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return issuer;
    }

    /// <summary>A new signing key, published with the old ones; tokens are signed with it from now on.</summary>
    public string Rotate() => AddKey();

    /// <summary>Stops publishing the key <paramref name="kid"/> (never the current one): its tokens are no longer valid.</summary>
    public void Withdraw(string kid)
    {
        lock (_published)
        {
            if (_published[^1].Kid == kid) throw new InvalidOperationException("rotate before withdrawing the current key");
            foreach (var (_, key) in _published.Where(k => k.Kid == kid)) key.Dispose();
            _published.RemoveAll(k => k.Kid == kid);
        }
    }

    private string AddKey()
    {
        lock (_published)
        {
            var kid = $"k{++_keysMade}";
            _published.Add((kid, ECDsa.Create(ECCurve.NamedCurves.nistP256)));
            return kid;
        }
    }

    private string Jwks()
    {
        var keys = new JsonArray();
        lock (_published)
        {
            foreach (var (kid, key) in _published)
            {
                var q = key.ExportParameters(false).Q;
                keys.Add(new JsonObject
                {
                    ["kty"] = "EC", ["crv"] = "P-256", ["use"] = "sig", ["alg"] = MeshTokens.Algorithm, ["kid"] = kid,
                    ["x"] = Base64Url.Encode(q.X!), ["y"] = Base64Url.Encode(q.Y!),
                });
            }
        }
        return new JsonObject { ["keys"] = keys }.ToJsonString();
    }

    /// <summary>The claims a good token has; tests change or remove some.</summary>
    public static JsonObject Claims(string subject, TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["iss"] = MeshTokens.DefaultIssuer,
            ["aud"] = MeshTokens.DefaultAudience,
            ["sub"] = subject,
            ["roles"] = new JsonArray("customer"),
            ["iat"] = now,
            ["exp"] = now + (long)(lifetime ?? TimeSpan.FromHours(1)).TotalSeconds,
        };
    }

    /// <summary>An ES256 token signed with the current key (or <paramref name="key"/>), its kid in the header.</summary>
    public string Mint(JsonObject claims, (string Kid, ECDsa Key)? key = null) => MintWith(claims, key ?? Current);

    /// <summary>An ES256 token signed with <paramref name="key"/>, its kid in the header.</summary>
    public static string MintWith(JsonObject claims, (string Kid, ECDsa Key) key)
    {
        var (kid, ecdsa) = key;
        var input = $"{Encode(new JsonObject { ["alg"] = MeshTokens.Algorithm, ["typ"] = "JWT", ["kid"] = kid })}.{Encode(claims)}";
        var signature = ecdsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.Encode(signature)}";
    }

    public static string Encode(JsonNode node) => Base64Url.Encode(Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions())));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        lock (_published)
            foreach (var (_, key) in _published) key.Dispose();
    }
}
