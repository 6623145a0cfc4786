using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Bearer tokens for any service: <c>builder.AddTokenValidation()</c> adds JwtBearer, which fetches the users service's
/// OpenID discovery document and JWKS itself (through service discovery) and refreshes them when a token names a key
/// it does not know, so a key rotation needs no restart. Settings in <c>Mesh:Auth</c> (<see cref="TokenValidationSettings"/>).
/// Handlers read <c>context.RequireUser()</c>; a call that sends a bad token is refused by <see cref="BearerTokenInterceptor"/>.
/// </summary>
public static class TokenValidationExtensions
{
    public const string SectionName = "Mesh:Auth";

    /// <summary>IdentityModel's switch for refreshing the issuer's keys before validating, not after (process-wide).</summary>
    public const string BlockingKeyRefreshSwitch = "Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking";

    public static TBuilder AddTokenValidation<TBuilder>(this TBuilder builder, string sectionName = SectionName) where TBuilder : IHostApplicationBuilder
    {
        var settings = builder.Configuration.GetSection(sectionName).Get<TokenValidationSettings>() ?? new TokenValidationSettings();
        // A token naming a key we do not know yet (the issuer just rotated) makes JwtBearer fetch the keys again and
        // validate that same token with them. IdentityModel 8 refreshes in the background by default, so that first
        // token would be refused and only the next one accepted; blocking refreshes (as in IdentityModel 7) accept it.
        AppContext.SetSwitch(BlockingKeyRefreshSwitch, true);
        builder.Services.AddSingleton(settings);
        builder.Services.AddHttpClient(MeshTokens.BackchannelClient, http => http.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddAuthorization();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o => Apply(o, settings));
        // Before JwtBearer's own post-configuration, which builds the configuration manager with this backchannel.
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IHttpClientFactory>((o, http) => o.Backchannel ??= http.CreateClient(MeshTokens.BackchannelClient));
        // Each access token's signature is verified once, not on every call it comes with (ValidatedTokenCache), and a
        // token accepted moments ago is answered before JwtBearer redoes any work for it (AcceptedTokenShortcut).
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ValidatedTokenCache>();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<ValidatedTokenCache>((o, cache) =>
            {
                o.TokenHandlers.Clear();
                o.TokenHandlers.Add(cache);
                o.Events = new AcceptedTokenShortcut(cache);
            });
        // One interceptor for every call: it keeps no state (Grpc.AspNetCore creates one per call unless DI has it).
        builder.Services.AddSingleton<BearerTokenInterceptor>();
        builder.Services.AddGrpc(o => o.Interceptors.Add<BearerTokenInterceptor>());
        return builder;
    }

    /// <summary>The rules every validator in the mesh applies: ES256 only (never "none", never an HMAC), signature by the key the kid names,
    /// exp (required), nbf, iss and aud with <see cref="TokenValidationSettings.ClockSkew"/>; claims keep their JWT names.</summary>
    public static void Apply(JwtBearerOptions options, TokenValidationSettings settings)
    {
        options.MapInboundClaims = false;
        // The raw token is not kept in the ticket (JwtBearer's default keeps it): nothing in the mesh reads it back
        // (HttpContext.GetTokenAsync), and storing it costs every request (docs/performance.md §6f).
        options.SaveToken = false;
        // Inside the mesh the hop is loopback or Istio mTLS; the issuer speaks plain HTTP on its http endpoint.
        options.RequireHttpsMetadata = false;
        var trusted = settings.Keys.Select(Load).ToList();
        options.MetadataAddress = settings.MetadataAddress ?? (trusted.Count == 0 ? MeshTokens.DefaultMetadataAddress : null!);
        options.RefreshOnIssuerKeyNotFound = true;
        options.RefreshInterval = settings.RefreshInterval;
        options.AutomaticRefreshInterval = settings.AutomaticRefreshInterval;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            ValidAlgorithms = [MeshTokens.Algorithm],
            ClockSkew = settings.ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            NameClaimType = "sub",
            RoleClaimType = "roles",
            // JwtBearer adds the issuer's published keys to these.
            IssuerSigningKeys = trusted,
            // The key is the one the token's kid names, never "any key that happens to verify": a kid nobody
            // published is refused (and makes JwtBearer fetch the keys again, in case the issuer just rotated).
            TryAllIssuerSigningKeys = false,
        };
    }

    private static SecurityKey Load(TrustedKey key)
    {
        if (string.IsNullOrEmpty(key.Kid))
            throw new InvalidOperationException($"{SectionName}:Keys: every key needs its Kid (tokens name the key that signed them).");
        var ecdsa = System.Security.Cryptography.ECDsa.Create();
        try { ecdsa.ImportFromPem(key.Pem); }
        catch (ArgumentException e) { throw new InvalidOperationException($"{SectionName}:Keys: key '{key.Kid}' is not an EC public key in PEM.", e); }
        return new ECDsaSecurityKey(ecdsa) { KeyId = key.Kid };
    }
}
