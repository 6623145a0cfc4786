using System.Security;
using Google.Protobuf.Reflection;

namespace Mesh.Grpc.Generator;

/// <summary>
/// Turns a file's leading comments (SourceCodeInfo) into XML doc comments. Locations are addressed
/// by path: a service is [6, serviceIndex], its method [6, serviceIndex, 2, methodIndex]
/// (field numbers of FileDescriptorProto.service and ServiceDescriptorProto.method).
/// </summary>
public sealed class DocComments
{
    private const int FileServiceField = 6;
    private const int ServiceMethodField = 2;

    private readonly Dictionary<string, string> _leading = new(StringComparer.Ordinal);

    public DocComments(FileDescriptorProto file)
    {
        if (file.SourceCodeInfo is null) return;
        foreach (var location in file.SourceCodeInfo.Location)
        {
            if (location.HasLeadingComments) _leading[string.Join(",", location.Path)] = location.LeadingComments;
        }
    }

    public void WriteForService(CodeWriter writer, int serviceIndex) =>
        Write(writer, $"{FileServiceField},{serviceIndex}");

    public void WriteForMethod(CodeWriter writer, int serviceIndex, int methodIndex) =>
        Write(writer, $"{FileServiceField},{serviceIndex},{ServiceMethodField},{methodIndex}");

    private void Write(CodeWriter writer, string path)
    {
        if (!_leading.TryGetValue(path, out var comment)) return;
        var lines = comment.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        while (lines.Count > 0 && lines[0].Length == 0) lines.RemoveAt(0);
        if (lines.Count == 0) return;

        writer.Line("/// <summary>");
        foreach (var line in lines)
        {
            // Proto comments are free text: "<package>.<service>" must not become XML tags.
            writer.Line(("///" + SecurityElement.Escape(line)).TrimEnd());
        }
        writer.Line("/// </summary>");
    }
}
