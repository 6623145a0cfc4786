using Mesh.ServiceDefaults.Auth;

namespace Mesh.Gateway.Policy;

/// <summary>
/// Settings of bearer-token validation at the edge (<c>Gateway:Auth</c>): the shared ones JwtBearer is configured
/// from (Issuer, Audience, Keys:N:Kid/Pem, MetadataAddress, ClockSkew, …; see <see cref="TokenValidationSettings"/>)
/// plus the public methods.
/// </summary>
public sealed class EdgeAuthOptions : TokenValidationSettings
{
    public const string SectionName = "Gateway:Auth";

    /// <summary>Methods callable without a token besides those the proto marks public: "pkg.Service/Method" or "pkg.Service/*".</summary>
    public List<string> PublicMethods { get; set; } = [];
}
