using System.Diagnostics;
using System.Text.Json;

namespace Mesh.AppHost.Tests;

/// <summary>`./mesh manifest`: the default app host's Aspire manifest lists every resource and reference.</summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task The_manifest_lists_every_resource_and_reference()
    {
        var output = Path.Combine(Path.GetTempPath(), $"mesh-manifest-{Guid.NewGuid():N}.json");
        try
        {
            var dll = Path.Combine(AppHostDirectory(), "bin", Configuration, "net10.0", "Mesh.AppHost.dll");
            var psi = new ProcessStartInfo("dotnet", [dll, "--publisher", "manifest", "--output-path", output])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, await stdout + await stderr);

            var resources = JsonDocument.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken)).RootElement.GetProperty("resources");
            string Type(string name) => resources.GetProperty(name).GetProperty("type").GetString()!;
            string[] Env(string name) => [.. resources.GetProperty(name).GetProperty("env").EnumerateObject().Select(p => p.Name)];

            foreach (var server in new[] { "postgres", "cache", "messaging", "messaging-epmd" })
                Assert.Equal("executable.v0", Type(server));
            foreach (var database in new[] { "usersdb", "catalogdb", "paymentdb", "bookingdb", "referraldb", "ratingdb", "supportdb", "adsdb", "feeddb", "notificationdb", "analyticsdb" })
            {
                Assert.Equal("value.v0", Type(database));
                Assert.Equal($"{{postgres.connectionString}};Database={database}", resources.GetProperty(database).GetProperty("connectionString").GetString());
            }
            foreach (var service in AppHostFixture.Services)
                Assert.Equal("project.v0", Type(service));
            Assert.Equal(27, resources.EnumerateObject().Count());

            AssertReferences(Env("gateway"), ["ConnectionStrings__cache"], ServiceRefs("users", "catalog", "payment", "booking", "referral", "rating", "support", "ads", "feed", "notification", "analytics"));
            AssertReferences(Env("users"), ["ConnectionStrings__cache", "ConnectionStrings__usersdb"], ServiceRefs("analytics"));
            AssertReferences(Env("catalog"), ["ConnectionStrings__cache", "ConnectionStrings__catalogdb", "ConnectionStrings__messaging"], ServiceRefs("booking", "users"));
            AssertReferences(Env("payment"), ["ConnectionStrings__messaging", "ConnectionStrings__paymentdb"], ServiceRefs("users", "analytics"));
            AssertReferences(Env("booking"), ["ConnectionStrings__bookingdb", "ConnectionStrings__cache", "ConnectionStrings__messaging"], ServiceRefs("catalog", "payment", "users", "referral", "analytics"));
            AssertReferences(Env("referral"), ["ConnectionStrings__messaging", "ConnectionStrings__referraldb"], ServiceRefs("users", "booking", "catalog"));
            AssertReferences(Env("support"), ["ConnectionStrings__messaging", "ConnectionStrings__supportdb"], ServiceRefs("booking", "payment", "users"));
            AssertReferences(Env("rating"), ["ConnectionStrings__cache", "ConnectionStrings__messaging", "ConnectionStrings__ratingdb"], ServiceRefs("booking", "catalog", "users"));
            AssertReferences(Env("ads"), ["ConnectionStrings__adsdb", "ConnectionStrings__messaging"], ServiceRefs("users"));
            AssertReferences(Env("feed"), ["ConnectionStrings__cache", "ConnectionStrings__feeddb", "ConnectionStrings__messaging"], ServiceRefs("users", "catalog", "booking", "rating", "ads", "analytics"));
            AssertReferences(Env("notification"), ["ConnectionStrings__messaging", "ConnectionStrings__notificationdb"], ServiceRefs("users"));
            AssertReferences(Env("analytics"), ["ConnectionStrings__analyticsdb", "ConnectionStrings__cache", "ConnectionStrings__messaging"], ServiceRefs("users"));
            // The gateway's REST port a person relies on.
            Assert.Equal(8080, resources.GetProperty("gateway").GetProperty("bindings").GetProperty("http").GetProperty("port").GetInt32());
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>The build configuration these tests (and so the app host) were built in.</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";

    /// <summary>Projects.Mesh_AppHost.ProjectPath names the project's directory (or, in other SDKs, its file).</summary>
    public static string AppHostDirectory() =>
        Directory.Exists(Projects.Mesh_AppHost.ProjectPath) ? Projects.Mesh_AppHost.ProjectPath : Path.GetDirectoryName(Projects.Mesh_AppHost.ProjectPath)!;

    private static string[] ServiceRefs(params string[] services) =>
        [.. services.SelectMany(s => new[] { $"services__{s}__grpc__0", $"services__{s}__http__0" })];

    private static void AssertReferences(string[] env, params IEnumerable<string>[] expected) =>
        Assert.Equal(
            expected.SelectMany(e => e).Order(StringComparer.Ordinal),
            env.Where(e => e.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || e.StartsWith("services__", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
}
