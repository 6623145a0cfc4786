namespace Mesh.ServiceDefaults.Auth;

/// <summary>What a valid token must say and where the keys are: <c>Mesh:Auth</c> in every service, <c>Gateway:Auth</c> at the edge.</summary>
public class TokenValidationSettings
{
    /// <summary>Required "iss".</summary>
    public string Issuer { get; set; } = MeshTokens.DefaultIssuer;

    /// <summary>Required "aud".</summary>
    public string Audience { get; set; } = MeshTokens.DefaultAudience;

    /// <summary>The issuer's OpenID discovery document (its jwks_uri names the keys). Default: the users service by
    /// discovery (<see cref="MeshTokens.DefaultMetadataAddress"/>), unless fixed <see cref="Keys"/> are configured.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Fixed public keys trusted besides (or, without a metadata address, instead of) the issuer's published ones.</summary>
    public List<TrustedKey> Keys { get; set; } = [];

    /// <summary>Tolerance on exp and nbf.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Least time between two key refreshes caused by a token naming an unknown key id (JwtBearer's minimum is 1 s).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long fetched keys are used before they are fetched again anyway (JwtBearer's minimum is 5 min).</summary>
    public TimeSpan AutomaticRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>A public key given in configuration (<c>Keys:N:Kid</c>, required, and <c>Keys:N:Pem</c>, SubjectPublicKeyInfo PEM).</summary>
public sealed class TrustedKey
{
    public string? Kid { get; set; }
    public string Pem { get; set; } = "";
}
