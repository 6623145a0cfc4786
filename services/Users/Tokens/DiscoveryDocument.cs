using System.Text.Json;
using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http;

namespace Mesh.Users.Tokens;

/// <summary>
/// The OpenID discovery document (/.well-known/openid-configuration) JwtBearer reads in every other service: the
/// issuer and where its keys are. Only what validators need; this service is no OpenID provider (no authorize or
/// token endpoints: sign-in is its own API).
/// </summary>
public static class DiscoveryDocument
{
    public static string Build(HttpRequest request, TokenOptions options)
    {
        // The address the caller reached us by (service discovery hands out loopback ports here, DNS names on Kubernetes).
        var jwks = $"{request.Scheme}://{request.Host}{MeshTokens.JwksPath}";
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["issuer"] = options.Issuer,
            ["jwks_uri"] = jwks,
            ["id_token_signing_alg_values_supported"] = new[] { MeshTokens.Algorithm },
            ["subject_types_supported"] = new[] { "public" },
            ["response_types_supported"] = new[] { "token" },
        });
    }
}
