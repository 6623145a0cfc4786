using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.ServiceDefaults.OpenApi;

/// <summary>
/// Names each schema of the OpenAPI document by the full proto name of its message or enum
/// ("mesh.catalog.v1.Show", "google.rpc.Status"), so the documents of every service merge into one without two
/// services' "Venue" or "Status" colliding. Types that are not proto types keep their .NET full name.
/// </summary>
public static class ProtoSchemaIds
{
    private static readonly ConcurrentDictionary<Assembly, IReadOnlyDictionary<Type, string>> ByAssembly = new();

    public static string For(Type type) =>
        ProtoNames(type.Assembly).TryGetValue(type, out var name) ? name : type.FullName!.Replace('+', '.');

    /// <summary>Every generated message and enum type of an assembly with its proto name, from the files its messages come from.</summary>
    private static IReadOnlyDictionary<Type, string> ProtoNames(Assembly assembly) => ByAssembly.GetOrAdd(assembly, a =>
    {
        var names = new Dictionary<Type, string>();
        var files = a.GetTypes()
            .Where(t => typeof(IMessage).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<MessageDescriptor>()
            .Select(d => d.File)
            .Distinct();
        foreach (var file in files)
        {
            foreach (var e in file.EnumTypes) Add(names, e.ClrType, e.FullName);
            foreach (var m in file.MessageTypes) AddMessage(names, m);
        }
        return names;
    });

    private static void AddMessage(Dictionary<Type, string> names, MessageDescriptor message)
    {
        Add(names, message.ClrType, message.FullName);
        foreach (var e in message.EnumTypes) Add(names, e.ClrType, e.FullName);
        foreach (var nested in message.NestedTypes) AddMessage(names, nested);
    }

    private static void Add(Dictionary<Type, string> names, Type? type, string name)
    {
        if (type is not null) names[type] = name; // map entry types have no CLR type
    }
}
