using Microsoft.Extensions.Configuration;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>What issuer and validators agree on by default, so a mesh started with no auth settings still checks iss and aud.</summary>
public static class MeshTokens
{
    public const string DefaultIssuer = "mesh-users";
    public const string DefaultAudience = "mesh";
    public const string JwksPath = "/.well-known/jwks.json";

    /// <summary>The users service's JWKS on its http endpoint, when discovery knows it (services:users:http:0).</summary>
    public static string? UsersJwksUrl(IConfiguration configuration) =>
        configuration["services:users:http:0"] is { Length: > 0 } users ? new Uri(new Uri(users), JwksPath).ToString() : null;
}
