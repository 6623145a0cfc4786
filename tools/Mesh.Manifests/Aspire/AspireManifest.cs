using System.Text.Json.Nodes;

namespace Mesh.Manifests.Aspire;

/// <summary>
/// The Aspire manifest (`./mesh manifest … --Mesh:Servers=containers`): every resource of the app model with its type,
/// environment, bindings and connection string, as expressions such as <c>{users.bindings.grpc.url}</c>.
/// </summary>
public sealed class AspireManifest
{
    private readonly JsonObject _resources;

    private AspireManifest(JsonObject resources) => _resources = resources;

    public static AspireManifest Parse(string json) =>
        new(JsonNode.Parse(json)?["resources"] as JsonObject
            ?? throw new InvalidDataException("an Aspire manifest has a \"resources\" object"));

    public static AspireManifest Load(string path) => Parse(File.ReadAllText(path));

    public IEnumerable<string> Names => _resources.Select(p => p.Key);

    public JsonObject this[string name] =>
        _resources[name] as JsonObject ?? throw new InvalidDataException($"the Aspire manifest has no resource '{name}'");

    public bool Contains(string name) => _resources.ContainsKey(name);

    public string TypeOf(string name) => (string?)this[name]["type"] ?? throw new InvalidDataException($"resource '{name}' has no type");
}
