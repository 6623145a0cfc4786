using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Users.Tokens;

/// <summary>
/// This service's JwtBearer configuration, straight from its own key ring: the same keys and issuer its discovery
/// document publishes to everyone else, without a request to itself. A token naming an unknown key makes JwtBearer
/// ask for a refresh, which re-reads the keys table (a key another replica just made).
/// </summary>
public sealed class KeyRingConfigurationManager(SigningKeyRing keys, TokenOptions options) : IConfigurationManager<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = options.Issuer };
        foreach (var key in await keys.GetPublishedAsync(cancel))
            configuration.SigningKeys.Add(new ECDsaSecurityKey(key.Key) { KeyId = key.Kid });
        return configuration;
    }

    public void RequestRefresh() => keys.RequestReload();
}
