using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.ServiceDefaults.Auth;
using Mesh.Users.Tests.Support;
using Mesh.Users.Tokens;
using Mesh.Users.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Users.Tests;

/// <summary>
/// Forged and damaged access tokens, each differing from a good one in one way, are refused by the users service
/// (gRPC UNAUTHENTICATED) and by the gateway (401). The control row — the same forgery done right with the real
/// key — is accepted, so the table can fail.
/// </summary>
public sealed class TokenAttackTests(UsersFixture fixture) : IClassFixture<UsersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The attack → what the refusal must say (the reason part of "Invalid bearer token: <reason>.").
    public static TheoryData<string, string> Attacks => new()
    {
        { "alg none", "signature" },
        { "alg none, no signature part", "malformed" },
        { "HS256 signed with the public key", "signature" },
        { "expired", "expired" },
        { "not yet valid", "not valid yet" },
        { "no expiry", "no expiry" },
        { "wrong issuer", "issuer" },
        { "wrong audience", "audience" },
        { "tampered payload", "signature" },
        { "unknown kid", "unknown key" },
        { "attacker key with the real kid", "signature" },
        { "attacker key, attacker kid", "unknown key" },
        { "malformed: one part", "malformed" },
        { "malformed: garbage parts", "malformed" },
        { "malformed: header not json", "malformed" },
        { "malformed: empty", "malformed" },
        { "issuer is a number", "malformed" },   // iss must be a string (RFC 7519 StringOrURI)
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Attack_is_rejected_by_grpc_and_rest(string attack, string reason)
    {
        var token = await ForgeAsync(attack);

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(token), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.StartsWith("Invalid bearer token: ", e.Status.Detail);
        Assert.Contains(reason, e.Status.Detail);

        var response = await fixture.CreateRestClient().SendAsync(TestAccounts.Rest(HttpMethod.Get, "/v1/users/me", token), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Control_a_token_forged_correctly_with_the_real_key_is_accepted()
    {
        var token = await ForgeAsync("control");
        Assert.NotNull(await fixture.Client.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(token), cancellationToken: Ct));
        var response = await fixture.CreateRestClient().SendAsync(TestAccounts.Rest(HttpMethod.Get, "/v1/users/me", token), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> ForgeAsync(string attack)
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var real = await fixture.Services.GetRequiredService<SigningKeyRing>().GetActiveAsync(Ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var good = JsonSerializer.Deserialize<Dictionary<string, object>>(Jwt.Part(user.Session.AccessToken, 1))!;
        Dictionary<string, object> Claims(Action<Dictionary<string, object>> change)
        {
            var copy = new Dictionary<string, object>(good);
            change(copy);
            return copy;
        }
        object Header(string alg = "ES256", string? kid = null) => new { alg, typ = "JWT", kid = kid ?? real.Kid };
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        return attack switch
        {
            "control" => Jwt.SignEs256(real.Key, Header(), good),
            "alg none" => $"{Jwt.Encode(Header("none"))}.{Jwt.Encode(good)}.",
            "alg none, no signature part" => $"{Jwt.Encode(Header("none"))}.{Jwt.Encode(good)}",
            "HS256 signed with the public key" => Jwt.SignHs256(Encoding.ASCII.GetBytes(real.Key.ExportSubjectPublicKeyInfoPem()), Header("HS256"), good),
            "expired" => Jwt.SignEs256(real.Key, Header(), Claims(c => { c["iat"] = now - 3600; c["nbf"] = now - 3600; c["exp"] = now - 1800; })),
            "not yet valid" => Jwt.SignEs256(real.Key, Header(), Claims(c => { c["nbf"] = now + 1800; c["exp"] = now + 2400; })),
            "no expiry" => Jwt.SignEs256(real.Key, Header(), Claims(c => c.Remove("exp"))),
            "wrong issuer" => Jwt.SignEs256(real.Key, Header(), Claims(c => c["iss"] = "https://evil.example")),
            "wrong audience" => Jwt.SignEs256(real.Key, Header(), Claims(c => c["aud"] = "some-other-api")),
            "issuer is a number" => Jwt.SignEs256(real.Key, Header(), Claims(c => c["iss"] = 42)),
            "tampered payload" => Tamper(user.Session.AccessToken, Claims(c => c["roles"] = new[] { "customer", "admin" })),
            "unknown kid" => Jwt.SignEs256(real.Key, Header(kid: "no-such-key-id"), good),
            "attacker key with the real kid" => Jwt.SignEs256(attacker, Header(), good),
            "attacker key, attacker kid" => Jwt.SignEs256(attacker, Header(kid: "attacker-key"), good),
            "malformed: one part" => "eyJhbGciOiJFUzI1NiJ9",
            "malformed: garbage parts" => "%%%.***.!!!",
            "malformed: header not json" => $"{Base64Url.Encode("not json"u8)}.{Jwt.Encode(good)}.{user.Session.AccessToken.Split('.')[2]}",
            "malformed: empty" => "..",
            _ => throw new ArgumentOutOfRangeException(nameof(attack), attack, null),
        };
    }

    private static string Tamper(string token, object claims)
    {
        var parts = token.Split('.');
        return $"{parts[0]}.{Jwt.Encode(claims)}.{parts[2]}";
    }
}
