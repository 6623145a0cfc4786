using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.ServiceDefaults.Errors;

/// <summary>
/// Finds fields a request carries that its schema does not know (a client on a newer or wrong contract). Protobuf
/// would keep and ignore them; a write API should say so instead, as the edge does for unknown JSON fields.
/// Walks the wire form, descending into message fields, and returns the paths (e.g. "user.#17").
/// </summary>
public static class UnknownFields
{
    public static IReadOnlyList<string> Find(IMessage message)
    {
        var found = new List<string>();
        Walk(message.ToByteString(), message.Descriptor, "", found);
        return found;
    }

    public static void Reject(IMessage message)
    {
        var unknown = Find(message);
        if (unknown.Count == 0) return;
        var violations = new FieldViolations();
        foreach (var path in unknown) violations.Add(path, "is not a field of this request");
        violations.ThrowIfAny();
    }

    private static void Walk(ByteString bytes, MessageDescriptor descriptor, string prefix, List<string> found)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            var field = descriptor.FindFieldByNumber(number);
            if (field is null)
            {
                found.Add($"{prefix}#{number}");
                input.SkipLastField();
            }
            else if (field.FieldType == FieldType.Message && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                Walk(input.ReadBytes(), field.MessageType, $"{prefix}{field.Name}.", found);
            }
            else
            {
                input.SkipLastField();
            }
        }
    }
}
