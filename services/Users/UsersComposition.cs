using Google.Protobuf;
using Mesh.ServiceDefaults.Auth;
using Mesh.Users;
using Mesh.Users.Passwords;
using Mesh.Users.SignIn;
using Mesh.Users.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
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
        var database = builder.Configuration.GetConnectionString(options.Database)
            ?? throw new InvalidOperationException($"ConnectionStrings:{options.Database} is not set.");
        services.AddSingleton(_ => NpgsqlDataSource.Create(database));
        services.AddSingleton<UsersStore>();
        var redis = builder.Configuration.GetConnectionString(options.Redis)
            ?? throw new InvalidOperationException($"ConnectionStrings:{options.Redis} is not set.");
        services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var redisOptions = ConfigurationOptions.Parse(redis);
            redisOptions.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(redisOptions);
        });
        services.AddSingleton(sp => sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase().WithKeyPrefix(options.RedisKeyPrefix));
        builder.AddPostgresHealthCheck(options.Database);
        builder.AddRedisHealthCheck(options.Redis);

        // Accounts, sessions, sign-in limits.
        services.AddSingleton(sp => new PasswordHasher(options.Passwords));
        services.AddSingleton(PasswordPolicy.Default);
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<SignInLimiter>();

        // This service validates the tokens it issues with its own key ring, by the same rules as everyone else.
        services.AddSingleton<IJwtKeySource>(sp => sp.GetRequiredService<SigningKeyRing>());
        services.AddSingleton(sp => new JwtValidator(sp.GetRequiredService<IJwtKeySource>(),
            new JwtValidationOptions { Issuer = options.Tokens.Issuer, Audience = options.Tokens.Audience }, sp.GetRequiredService<TimeProvider>()));
        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Applies Migrations/*.sql before the service takes calls.</summary>
    public static Task MigrateUsersDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<UsersStore>().MigrateAsync(app.Lifetime.ApplicationStopping);

    public static WebApplication MapUsers(this WebApplication app)
    {
        app.MapGrpcService<UsersApi>();
        // The JWKS for validators that speak HTTP (the gateway, ServiceDefaults' JwksJwtKeys) on the http endpoint.
        app.MapGet(MeshTokens.JwksPath, async (SigningKeyRing keys, HttpContext context) =>
        {
            var jwks = await JwksDocument.BuildAsync(keys, context.RequestAborted);
            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Text(JsonFormatter.Default.Format(jwks), "application/jwk-set+json");
        });
        return app;
    }
}
