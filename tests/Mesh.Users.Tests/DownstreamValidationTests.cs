using Grpc.Health.V1;
using Mesh.Grpc.Client;
using Mesh.Grpc.Interceptors;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Users.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Users.Tests;

/// <summary>
/// Any other service validates the users service's tokens with one line, <c>builder.AddTokenValidation()</c>: keys from
/// the users service's JWKS (found by discovery), claims on the ServerCallContext, bad tokens UNAUTHENTICATED.
/// </summary>
public sealed class DownstreamValidationTests(UsersFixture fixture) : IClassFixture<UsersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Records who each call was from, as a handler would see it.</summary>
    private sealed class CallerRecorder : Interceptor
    {
        public List<AuthenticatedUser?> Callers { get; } = [];

        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            lock (Callers) Callers.Add(context.GetUser());
            return continuation(request, context);
        }
    }

    [Fact]
    public async Task A_service_with_AddTokenValidation_gets_the_callers_claims_and_rejects_bad_tokens()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = "0",
            [HostingExtensions.DrainTimeoutKey] = "00:00:01",
            ["services:users:http:0"] = fixture.UsersHttp.ToString(),
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddTokenValidation();
        var recorder = new CallerRecorder();
        builder.Services.Configure<Mesh.Grpc.Server.GrpcServiceOptions>(o => o.Interceptors.Add(recorder));
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(Ct);
        try
        {
            using var channel = GrpcChannel.ForAddress(app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress);
            var health = new Health.HealthClient(channel);
            var user = await TestAccounts.CreateAsync(fixture);

            await health.CheckAsync(new HealthCheckRequest(), user.Bearer, cancellationToken: Ct);
            await health.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct);
            var parts = user.Session.AccessToken.Split('.');
            var forged = $"{parts[0]}.{Jwt.Encode(new { sub = "someone-else", exp = 4102444800, iss = "mesh-users", aud = "mesh" })}.{parts[2]}";
            var e = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest(), TestAccounts.Bearer(forged), cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);

            Assert.Equal(2, recorder.Callers.Count); // the forged call never reached the handler
            Assert.Equal(user.Id, recorder.Callers[0]?.Subject);
            Assert.Equal(["customer"], recorder.Callers[0]!.Roles);
            Assert.Null(recorder.Callers[1]);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }
}
