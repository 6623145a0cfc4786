using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.Gateway.OpenApi;

/// <summary>
/// Proto comments by element full name ("pkg.Msg", "pkg.Msg.field", "pkg.Svc.Method", "pkg.Enum"). The C# descriptors
/// embedded by protoc carry no source info, so comments come from descriptor sets built with
/// <c>--include_source_info --descriptor_set_out=…</c> (paths in <c>Gateway:DescriptorSets</c>, ';'-separated).
/// </summary>
public sealed class ProtoComments
{
    // Field numbers inside FileDescriptorProto / DescriptorProto / ServiceDescriptorProto / EnumDescriptorProto.
    private const int FileMessages = 4, FileEnums = 5, FileServices = 6;
    private const int MessageFields = 2, MessageNested = 3, MessageEnums = 4, ServiceMethods = 2, EnumValues = 2;

    private readonly Dictionary<string, string> _comments = new(StringComparer.Ordinal);

    public static ProtoComments Load(string? paths)
    {
        var comments = new ProtoComments();
        foreach (var path in (paths ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var full = Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path);
            if (!File.Exists(full)) continue; // docs without comments beat no docs
            var set = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(full));
            foreach (var file in set.File) comments.Add(file);
        }
        return comments;
    }

    public string? For(string fullName) => _comments.GetValueOrDefault(fullName);

    private void Add(FileDescriptorProto file)
    {
        if (file.SourceCodeInfo is null) return;
        var byPath = file.SourceCodeInfo.Location
            .Where(l => l.HasLeadingComments && l.LeadingComments.Trim().Length > 0)
            .GroupBy(l => string.Join(',', l.Path))
            .ToDictionary(g => g.Key, g => Clean(g.First().LeadingComments));
        var prefix = file.Package.Length > 0 ? file.Package + "." : "";

        for (var i = 0; i < file.MessageType.Count; i++) AddMessage(byPath, file.MessageType[i], prefix, [FileMessages, i]);
        for (var i = 0; i < file.EnumType.Count; i++) AddEnum(byPath, file.EnumType[i], prefix, [FileEnums, i]);
        for (var i = 0; i < file.Service.Count; i++)
        {
            var service = file.Service[i];
            var name = prefix + service.Name;
            Put(byPath, [FileServices, i], name);
            for (var m = 0; m < service.Method.Count; m++) Put(byPath, [FileServices, i, ServiceMethods, m], $"{name}.{service.Method[m].Name}");
        }
    }

    private void AddMessage(Dictionary<string, string> byPath, DescriptorProto message, string prefix, int[] path)
    {
        var name = prefix + message.Name;
        Put(byPath, path, name);
        for (var f = 0; f < message.Field.Count; f++) Put(byPath, [.. path, MessageFields, f], $"{name}.{message.Field[f].Name}");
        for (var n = 0; n < message.NestedType.Count; n++) AddMessage(byPath, message.NestedType[n], name + ".", [.. path, MessageNested, n]);
        for (var e = 0; e < message.EnumType.Count; e++) AddEnum(byPath, message.EnumType[e], name + ".", [.. path, MessageEnums, e]);
    }

    private void AddEnum(Dictionary<string, string> byPath, EnumDescriptorProto type, string prefix, int[] path)
    {
        var name = prefix + type.Name;
        Put(byPath, path, name);
        for (var v = 0; v < type.Value.Count; v++) Put(byPath, [.. path, EnumValues, v], $"{name}.{type.Value[v].Name}");
    }

    private void Put(Dictionary<string, string> byPath, int[] path, string name)
    {
        if (byPath.TryGetValue(string.Join(',', path), out var comment)) _comments[name] = comment;
    }

    /// <summary>Trims the one leading space protoc keeps on each comment line.</summary>
    private static string Clean(string comment) =>
        string.Join('\n', comment.Trim('\n').Split('\n').Select(l => l.StartsWith(' ') ? l[1..] : l)).Trim();
}
