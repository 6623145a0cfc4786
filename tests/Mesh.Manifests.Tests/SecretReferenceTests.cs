using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mesh.Manifests.Tests;

/// <summary>Secrets travel by reference only: no Secret object, and every secret in a value is a variable filled from one.</summary>
public sealed partial class SecretReferenceTests
{
    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Variable();

    public static TheoryData<string> Targets => [.. Kustomize.Targets];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task No_secret_value_is_written_and_every_reference_resolves(string target)
    {
        var objects = await Kustomize.ObjectsAsync(target);
        Assert.DoesNotContain(objects, o => (string?)o["kind"] == "Secret");

        var problems = new List<string>();
        var secretRefs = 0;
        foreach (var container in Containers(objects))
        {
            var defined = new Dictionary<string, bool>(); // name → filled from a Secret
            foreach (var env in container.Env.OfType<JsonObject>())
            {
                var name = (string)env["name"]!;
                if (env["valueFrom"]?["secretKeyRef"] is JsonObject secret)
                {
                    secretRefs++;
                    if ((string?)secret["name"] is null || (string?)secret["key"] is null) problems.Add($"{container.Name}/{name}: incomplete secretKeyRef");
                    defined[name] = true;
                    continue;
                }
                var value = (string?)env["value"] ?? "";
                if (value.Contains('{')) problems.Add($"{container.Name}/{name}: unresolved Aspire expression in '{value}'");
                if (Regex.IsMatch(name, "PASSWORD|SECRET|TOKEN", RegexOptions.IgnoreCase))
                    problems.Add($"{container.Name}/{name}: a secret-looking variable with a literal value");
                foreach (Match use in Variable().Matches(value))
                    if (!defined.GetValueOrDefault(use.Groups[1].Value))
                        problems.Add($"{container.Name}/{name}: $({use.Groups[1].Value}) is not a secret defined before it");
                defined[name] = false;
            }
        }
        Assert.Empty(problems);
        Assert.True(secretRefs > 0, "no secretKeyRef at all");
    }

    [Fact]
    public async Task Connection_strings_point_at_Kubernetes_names_with_the_password_by_reference()
    {
        var objects = await Kustomize.ObjectsAsync("overlays/prod");
        var booking = Containers(objects).Single(c => c.Name == "booking").Env.OfType<JsonObject>()
            .ToDictionary(e => (string)e["name"]!, e => (string?)e["value"]);
        Assert.Equal("Host=postgres;Port=5432;Username=postgres;Password=$(SECRET_POSTGRES_PASSWORD);Database=bookingdb", booking["ConnectionStrings__bookingdb"]);
        Assert.Equal("http://payment:8081", booking["services__payment__grpc__0"]);
        Assert.Equal("http://*:8081", booking["Kestrel__Endpoints__grpc__Url"]);
    }

    private static IEnumerable<(string Name, JsonArray Env)> Containers(List<JsonObject> objects) =>
        objects.Where(o => (string?)o["kind"] is "Deployment" or "StatefulSet")
            .SelectMany(o => o["spec"]!["template"]!["spec"]!["containers"]!.AsArray())
            .Select(c => ((string)c!["name"]!, c["env"] as JsonArray ?? []));
}
