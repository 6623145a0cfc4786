using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.ServiceDefaults.OpenApi;

/// <summary>
/// Whether a method carries the proto option <c>mesh.api.v1.public</c> (protos/mesh/api/v1/access.proto): callers
/// need no bearer token. Read by the option's field number, so the defaults depend on no contract.
/// </summary>
public static class PublicMethods
{
    /// <summary>The field number of <c>mesh.api.v1.public</c> on google.protobuf.MethodOptions.</summary>
    public const int OptionNumber = 50601;

    private static readonly Extension<MethodOptions, bool> PublicOption =
        new(OptionNumber, FieldCodec.ForBool(WireFormat.MakeTag(OptionNumber, WireFormat.WireType.Varint)));

    public static bool IsPublic(MethodDescriptor method) => method.GetOptions()?.GetExtension(PublicOption) ?? false;
}
