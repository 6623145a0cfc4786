using Mesh.ServiceDefaults.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Bearer tokens for any service: <c>builder.AddTokenValidation()</c> validates the <c>authorization</c> metadata of
/// every gRPC call with the same <see cref="JwtValidator"/> the gateway uses; handlers then read
/// <c>context.RequireUser()</c>. Settings in <c>Mesh:Auth</c> (Issuer, Audience, JwksUrl, ClockSkew, Keys:N:Pem|Jwk);
/// without a JwksUrl the users service is asked (<c>services:users:http:0</c> + /.well-known/jwks.json).
/// </summary>
public static class TokenValidationExtensions
{
    public const string SectionName = "Mesh:Auth";

    public static TBuilder AddTokenValidation<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var options = builder.Configuration.GetSection(SectionName).Get<JwtValidationOptions>() ?? new JwtValidationOptions();
        options.Issuer ??= MeshTokens.DefaultIssuer;
        options.Audience ??= MeshTokens.DefaultAudience;
        options.JwksUrl ??= MeshTokens.UsersJwksUrl(builder.Configuration);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddJwtKeySource(builder.Configuration.GetSection($"{SectionName}:Keys"), options);
        builder.Services.TryAddSingleton(sp => new JwtValidator(sp.GetRequiredService<IJwtKeySource>(), options, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<TokenAuthenticationInterceptor>();
        builder.Services.Configure<Mesh.Grpc.Server.GrpcServiceOptions>(o => o.Interceptors.Add<TokenAuthenticationInterceptor>());
        return builder;
    }

    /// <summary>
    /// Configured keys (<paramref name="keys"/>: N:Kid with N:Pem or N:Jwk) plus the JWKS URL when there is one. Does
    /// nothing when an <see cref="IJwtKeySource"/> is already registered (the users service registers its own key ring).
    /// </summary>
    public static IServiceCollection AddJwtKeySource(this IServiceCollection services, IConfiguration keys, JwtValidationOptions options)
    {
        services.TryAddSingleton<IJwtKeySource>(sp =>
        {
            var sources = new List<IJwtKeySource> { ConfiguredJwtKeys.From(keys) };
            if (options.JwksUrl is { Length: > 0 } url)
                sources.Add(new JwksJwtKeys(new HttpClient { Timeout = TimeSpan.FromSeconds(5) }, new Uri(url), sp.GetRequiredService<TimeProvider>()));
            return sources.Count == 1 ? sources[0] : new CompositeJwtKeys(sources);
        });
        return services;
    }
}
