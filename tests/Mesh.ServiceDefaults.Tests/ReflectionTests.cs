using System.Diagnostics;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>Reflection lets buf curl explore a service with no proto file — where it is switched on, and only there.</summary>
public sealed class ReflectionTests
{
    [Fact]
    public async Task Reflection_lists_the_services_in_development()
    {
        await using var service = await ServiceHost.StartAsync("developing", environment: "Development");
        var (exit, output) = await BufCurlListAsync(service.GrpcAddress);
        Assert.True(exit == 0, output);
        Assert.Contains("grpc.health.v1.Health/Check", output);
        Assert.Contains("mesh.defaults_test.v1.Probe/Read", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reflection_lists_the_services_when_enabled_by_configuration()
    {
        await using var service = await ServiceHost.StartAsync("reflective", settings: new Dictionary<string, string?> { [GrpcServerDefaults.ReflectionKey] = "true" });
        var (exit, output) = await BufCurlListAsync(service.GrpcAddress);
        Assert.True(exit == 0, output);
        Assert.Contains("mesh.defaults_test.v1.Probe/Read", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reflection_is_off_outside_development_by_default()
    {
        await using var service = await ServiceHost.StartAsync("discreet"); // the test host runs as Production
        var (exit, output) = await BufCurlListAsync(service.GrpcAddress);
        Assert.NotEqual(0, exit);
        Assert.DoesNotContain("grpc.health.v1.Health/Check", output);
    }

    private static async Task<(int Exit, string Output)> BufCurlListAsync(Uri address)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Mesh.sln"))) root = Path.GetDirectoryName(root)!;
        var psi = new ProcessStartInfo(Path.Combine(root, "tests", "node", "node_modules", ".bin", "buf"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-methods", address.ToString().TrimEnd('/') }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
