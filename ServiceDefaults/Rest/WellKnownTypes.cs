using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>The well-known message types whose JSON form is a single string or scalar (so a query parameter can hold one).</summary>
public static class WellKnownTypes
{
    private static readonly HashSet<string> ScalarLike =
    [
        Timestamp.Descriptor.FullName, Duration.Descriptor.FullName, FieldMask.Descriptor.FullName,
        Int32Value.Descriptor.FullName, Int64Value.Descriptor.FullName, UInt32Value.Descriptor.FullName,
        UInt64Value.Descriptor.FullName, FloatValue.Descriptor.FullName, DoubleValue.Descriptor.FullName,
        BoolValue.Descriptor.FullName, StringValue.Descriptor.FullName, BytesValue.Descriptor.FullName,
    ];

    /// <summary>Every google.protobuf message with a special JSON mapping (validated by Google.Protobuf's own parser).</summary>
    private static readonly HashSet<string> SpecialJson =
    [
        .. ScalarLike, Struct.Descriptor.FullName, Value.Descriptor.FullName, ListValue.Descriptor.FullName,
        Any.Descriptor.FullName, Empty.Descriptor.FullName,
    ];

    public static bool IsScalarLike(MessageDescriptor message) => ScalarLike.Contains(message.FullName);
    public static bool HasSpecialJson(MessageDescriptor message) => SpecialJson.Contains(message.FullName);

    public static bool IsWrapper(MessageDescriptor message) =>
        message.File == Int32Value.Descriptor.File;
}
