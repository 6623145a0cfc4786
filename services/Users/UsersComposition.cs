using Google.Protobuf;
using Mesh.ServiceDefaults.Auth;
using Mesh.Users;
using Mesh.Users.Passwords;
using Mesh.Users.SignIn;
using Mesh.Users.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The users service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class UsersComposition
{
    public static WebApplicationBuilder AddUsers(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(UsersOptions.SectionName).Get<UsersOptions>() ?? new UsersOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(options.Passwords);
        services.AddSingleton(options.Tokens);
        services.AddSingleton(options.SignInLimits);
        services.TryAddSingleton(TimeProvider.System);

        // Data: usersdb (PostgreSQL) and the shared Redis, under this service's key prefix.
        // The Aspire client integrations register each connection with its health check and telemetry.
        builder.AddNpgsqlDataSource(options.Database);
        services.AddSingleton<UsersStore>();
        builder.AddRedisClient(options.Redis);
        services.AddSingleton(sp => sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase().WithKeyPrefix(options.RedisKeyPrefix));

        // Accounts, sessions, sign-in limits.
        services.AddSingleton(sp => new PasswordHasher(options.Passwords));
        services.AddSingleton(PasswordPolicy.Default);
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<SignInLimiter>();
        // Fraud and bot checks before a sign-in: the analytics service when the mesh has one (services:analytics:grpc:N),
        // asked once with a tight deadline and failing open; else none.
        if (builder.Configuration["services:analytics:grpc:0"] is not null)
        {
            builder.AddServiceClient<Mesh.Analytics.V1.Analytics.AnalyticsClient>("analytics", client => client.MaxAttempts = 1);
            services.TryAddSingleton<Mesh.Users.SignIn.IRiskStep, Mesh.Users.SignIn.AnalyticsRiskStep>();
        }
        services.TryAddSingleton<Mesh.Users.SignIn.IRiskStep, Mesh.Users.SignIn.NoRiskChecks>();

        // This service validates the tokens it issues by the same rules as everyone else (JwtBearer), with the keys
        // straight from its key ring instead of its own discovery document over HTTP.
        builder.AddTokenValidation();
        services.AddSingleton<KeyRingConfigurationManager>();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<KeyRingConfigurationManager, TimeProvider>((o, keys, time) =>
        {
            o.ConfigurationManager = keys;
            o.TokenValidationParameters.ValidIssuer = options.Tokens.Issuer;
            o.TokenValidationParameters.ValidAudience = options.Tokens.Audience;
            // exp and nbf by the clock the tokens are issued by (the system clock, unless a test moves it).
            o.TokenValidationParameters.LifetimeValidator = TokenLifetime.Validator(time);
        });
        return builder;
    }

    /// <summary>Applies Migrations/*.sql before the service takes calls.</summary>
    public static Task MigrateUsersDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<UsersStore>().MigrateAsync(app.Lifetime.ApplicationStopping);

    public static WebApplication MapUsers(this WebApplication app)
    {
        app.MapGrpcService<UsersApi>();
        // OpenID discovery and the JWKS for the other services' JwtBearer, on the http endpoint.
        app.MapGet(MeshTokens.DiscoveryPath, (HttpRequest request, TokenOptions tokens) =>
            Results.Text(DiscoveryDocument.Build(request, tokens), "application/json"));
        // GetSigningKeys's http rule is this same GET: the JSON transcoding maps it too. This endpoint answers it (a JWK
        // Set's media type and a cache lifetime; the keys are the same), ordered first so the two never tie.
        app.MapGet(MeshTokens.JwksPath, async (SigningKeyRing keys, HttpContext context) =>
        {
            var jwks = await JwksDocument.BuildAsync(keys, context.RequestAborted);
            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Text(JsonFormatter.Default.Format(jwks), "application/jwk-set+json");
        }).WithOrder(-1);
        return app;
    }
}
