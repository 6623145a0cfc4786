using Mesh.Benchmarks.Booking;
using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks.Defaults;

/// <summary>
/// <c>token-allocations [--calls N]</c>: bytes allocated and CPU time per request on the server's token path, without
/// a network, so the numbers do not depend on what else the machine runs (the allocations not at all, the CPU time
/// less than h2load's). A service's composition (<c>AddTokenValidation()</c> with a fixed key, as the defaults server
/// of run-defaults.sh) runs the middleware a gRPC call goes through — authentication (JwtBearer) and authorization —
/// then what <see cref="BearerTokenInterceptor"/> asks of every call, on a fresh request scope and HttpContext per
/// request as Kestrel gives one. Modes: no token (the floor: everything but the token), the same valid token on every
/// call (what a client does for the token's lifetime), that token with the handler reading the caller
/// (<c>GetUser()</c>: subject and roles), that token through JwtBearer's full path (AcceptedTokenShortcut off; then
/// also SaveToken on, as JwtBearer's defaults have it), and a new token on every call (each signature verified).
/// </summary>
public static class TokenPathAllocations
{
    private const int DistinctTokens = 2_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = int.Parse(DefaultsServers.Flags(args).GetValueOrDefault("--calls") ?? "200000");
        var tokens = new BenchTokens();
        await using var composed = Compose(tokens, alter: null);
        // The same composition with parts of AddTokenValidation undone, to show what each part saves.
        await using var noShortcut = Compose(tokens, o => o.Events = new JwtBearerEvents());
        await using var noShortcutSaveToken = Compose(tokens, o => { o.Events = new JwtBearerEvents(); o.SaveToken = true; });

        var one = $"Bearer {tokens.Mint(Guid.NewGuid().ToString())}";
        var fresh = Enumerable.Range(0, DistinctTokens).Select(_ => $"Bearer {tokens.Mint(Guid.NewGuid().ToString())}").ToArray();
        var modes = new Mode[]
        {
            new("no token", composed, ReadUser: false, _ => null, calls),
            new("same valid token", composed, ReadUser: false, _ => one, calls),
            new("same valid token, handler reads caller", composed, ReadUser: true, _ => one, calls),
            new("same token, JwtBearer's full path", noShortcut, ReadUser: false, _ => one, calls),
            new("same token, full path + SaveToken", noShortcutSaveToken, ReadUser: false, _ => one, calls),
            // Every token new to the service: the only call of each verifies its signature (measured once, below).
            new("a new token every call (verified)", composed, ReadUser: false, i => fresh[i % DistinctTokens], DistinctTokens),
        };
        Console.WriteLine($"token path per request, in process ({Environment.ProcessorCount} cores, load average {LoadAverage()}); {Rounds} rounds of {calls:N0} calls per mode after as many warm-up calls, medians");
        // Warm-up: every mode until tiered compilation has settled (the JIT's background promotion takes ~100 ms).
        foreach (var mode in modes[..^1]) await MeasureAsync(mode, calls);
        await Task.Delay(500);
        var results = modes.ToDictionary(m => m.Name, _ => new List<Result>());
        for (var round = 0; round < Rounds; round++)
            foreach (var mode in modes)
                if (round == 0 || mode.Calls == calls)
                    results[mode.Name].Add(await MeasureAsync(mode, mode.Calls));
        Console.WriteLine($"{"mode",-40} {"bytes/call",11} {"CPU µs/call",12} {"async",6}");
        foreach (var (name, list) in results)
            Console.WriteLine($"{name,-40} {Median(list, r => r.Bytes),11:N0} {Median(list, r => r.CpuUs),12:F2} {list.Sum(r => r.AsyncCalls),6}");
        var floor = Median(results["no token"], r => r.Bytes);
        Console.WriteLine($"the valid token's allocations over no token: {Median(results["same valid token"], r => r.Bytes) - floor:N0} bytes per call; " +
            $"JwtBearer's full path: {Median(results["same token, full path + SaveToken"], r => r.Bytes) - floor:N0} (async = calls that did not complete synchronously)");
        Console.WriteLine($"load average at the end {LoadAverage()}");
        return 0;
    }

    private sealed record Mode(string Name, Service Service, bool ReadUser, Func<int, string?> Authorization, int Calls)
    {
        public RequestDelegate Pipeline => ReadUser ? Service.ReadingPipeline : Service.Pipeline;
    }

    /// <summary>A service's composition (AddTokenValidation with the bench key), not started: its container and the
    /// middleware a gRPC call passes, ending in what BearerTokenInterceptor asks (and, for one pipeline, GetUser()).</summary>
    private sealed class Service(WebApplication app) : IAsyncDisposable
    {
        public IServiceScopeFactory Scopes { get; } = app.Services.GetRequiredService<IServiceScopeFactory>();
        public RequestDelegate Pipeline { get; } = Build(app.Services, readUser: false);
        public RequestDelegate ReadingPipeline { get; } = Build(app.Services, readUser: true);

        public ValueTask DisposeAsync() => app.DisposeAsync();

        private static RequestDelegate Build(IServiceProvider services, bool readUser)
        {
            var pipeline = new ApplicationBuilder(services);
            pipeline.UseAuthentication();
            pipeline.UseAuthorization();
            pipeline.Run(async http =>
            {
                if (await BearerTokenInterceptor.BearerTokenProblemAsync(http) is { } problem)
                    throw new InvalidOperationException($"the bench token was refused: {problem}");
                if (readUser && (AuthenticatedUser.From(http.User) is not { } user || user.Subject.Length == 0 || user.Roles.Count != 1))
                    throw new InvalidOperationException("the caller was not read back from the token");
            });
            return pipeline.Build();
        }
    }

    private static Service Compose(BenchTokens tokens, Action<JwtBearerOptions>? alter)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Auth:Keys:0:Kid"] = BenchTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = tokens.PublicKeyPem,
        });
        builder.AddTokenValidation();
        if (alter is not null) builder.Services.PostConfigure(JwtBearerDefaults.AuthenticationScheme, alter);
        return new Service(builder.Build());
    }

    private static double Median(List<Result> results, Func<Result, double> value) => results.Select(value).Order().ElementAt(results.Count / 2);

    private const int Rounds = 3;

    private sealed record Result(double Bytes, double CpuUs, int AsyncCalls);

    private static async Task<Result> MeasureAsync(Mode mode, int calls)
    {
        var asyncCalls = 0;
        var cpu0 = Environment.CpuUsage.TotalTime;
        var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < calls; i++)
        {
            var call = CallAsync(mode.Pipeline, mode.Service.Scopes, mode.Authorization(i));
            if (!call.IsCompleted) asyncCalls++;
            await call;
        }
        var bytes = (GC.GetTotalAllocatedBytes(precise: true) - bytes0) / (double)calls;
        var cpuUs = (Environment.CpuUsage.TotalTime - cpu0).TotalMicroseconds / calls;
        return new Result(bytes, cpuUs, asyncCalls);
    }

    /// <summary>One request: its own scope and HttpContext, as Kestrel makes them; a header besides authorization in
    /// every mode, so the header dictionary is allocated in all of them alike.</summary>
    private static async Task CallAsync(RequestDelegate pipeline, IServiceScopeFactory scopes, string? authorization)
    {
        await using var scope = scopes.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Headers.TE = "trailers";
        if (authorization is not null) http.Request.Headers.Authorization = authorization;
        await pipeline(http);
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
