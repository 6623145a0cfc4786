using System.Reflection;
using Google.Protobuf.Reflection;

namespace Mesh.Grpc.Reflection;

/// <summary>
/// Finds the protobuf descriptor of a service from its implementation type, through the
/// [BindServiceMethod] the generator puts on every service base: the static class it names has a
/// generated <c>Descriptor</c> property. Lets a server list what it maps without the app repeating it.
/// </summary>
public static class ServiceDescriptorLookup
{
    public static ServiceDescriptor? FromServiceType(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        var bind = serviceType.GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);
        return bind is null ? null : FromBindType(bind.BindType);
    }

    /// <summary>The Descriptor of a generated service class (the BindType of [BindServiceMethod]).</summary>
    public static ServiceDescriptor? FromBindType(Type bindType)
    {
        ArgumentNullException.ThrowIfNull(bindType);
        var property = bindType.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static);
        return property?.GetValue(null) as ServiceDescriptor;
    }
}
