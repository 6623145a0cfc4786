namespace Mesh.ServiceDefaults.Auth;

/// <summary>What the issuer (the users service) and every validator agree on by default, so a mesh started with no
/// auth settings still checks iss, aud and the algorithm.</summary>
public static class MeshTokens
{
    public const string DefaultIssuer = "mesh-users";
    public const string DefaultAudience = "mesh";
    public const string Algorithm = "ES256";
    public const string JwksPath = "/.well-known/jwks.json";
    public const string DiscoveryPath = "/.well-known/openid-configuration";

    /// <summary>The users service's OpenID discovery document, found by service discovery (services:users:http:N).</summary>
    public const string DefaultMetadataAddress = "http://_http.users" + DiscoveryPath;

    /// <summary>The IHttpClientFactory client JwtBearer fetches metadata and keys with (service discovery applies).</summary>
    public const string BackchannelClient = "mesh-jwt-backchannel";
}
