using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Google.Protobuf.Reflection;

namespace Mesh.ServiceDefaults.OpenApi;

/// <summary>
/// The proto comments of the contracts, as Grpc.Tools wrote them into the generated C# (XML doc comments) and the
/// compiler into the documentation file beside the assembly (GenerateDocumentationFile): a service's comment on its
/// static class, a method's on the service base class, a message's and a field's on the message class and property.
/// Read once per assembly; an assembly without such a file has no comments.
/// </summary>
public static partial class ProtoComments
{
    private static readonly ConcurrentDictionary<Assembly, IReadOnlyDictionary<string, string>> ByAssembly = new();

    public static string? OfService(ServiceDescriptor service) =>
        ClrNamespace(service.File) is { } ns && AssemblyOf(service.File) is { } assembly
            ? Find(assembly, $"T:{ns}.{service.Name}") : null;

    public static string? OfMethod(MethodDescriptor method) =>
        ClrNamespace(method.File) is { } ns && AssemblyOf(method.File) is { } assembly
            ? Find(assembly, $"M:{ns}.{method.Service.Name}.{method.Service.Name}Base.{method.Name}") : null;

    public static string? OfType(Type type) => Find(type.Assembly, $"T:{XmlName(type)}");

    public static string? OfField(FieldDescriptor field) =>
        field.ContainingType.ClrType is { } owner ? Find(owner.Assembly, $"P:{XmlName(owner)}.{field.PropertyName}") : null;

    private static string? Find(Assembly assembly, string member) => Members(assembly).GetValueOrDefault(member);

    /// <summary>Member name (without a method's parameter list) → its summary, one line of plain text.</summary>
    private static IReadOnlyDictionary<string, string> Members(Assembly assembly) => ByAssembly.GetOrAdd(assembly, a =>
    {
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(a.Location) || Path.ChangeExtension(a.Location, ".xml") is not { } file || !File.Exists(file)) return members;
        foreach (var member in XDocument.Load(file).Descendants("member"))
        {
            var name = (string?)member.Attribute("name");
            var summary = member.Element("summary")?.Value;
            if (name is null || string.IsNullOrWhiteSpace(summary)) continue;
            var key = name.IndexOf('(') is var paren and >= 0 ? name[..paren] : name;
            members.TryAdd(key, Whitespace().Replace(summary, " ").Trim());
        }
        return members;
    });

    /// <summary>The C# namespace of a proto file's types (csharp_namespace, as its generated classes carry it).</summary>
    private static string? ClrNamespace(FileDescriptor file) =>
        file.MessageTypes.Select(m => m.ClrType?.Namespace).FirstOrDefault(n => n is not null) ?? file.GetOptions()?.CsharpNamespace;

    private static Assembly? AssemblyOf(FileDescriptor file) => file.MessageTypes.Select(m => m.ClrType?.Assembly).FirstOrDefault(a => a is not null);

    /// <summary>A type's name as XML documentation writes it: nested types joined with '.', not '+'.</summary>
    private static string XmlName(Type type) => type.FullName!.Replace('+', '.');

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
