using System.Globalization;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Analytics.V1;

namespace Mesh.Analytics.Stream;

/// <summary>
/// Reads a business event other services publish to mesh.events (JSON, PascalCase, as their outboxes write it) as an
/// analytics event: its message id is the event id (the outbox id: a redelivery is the same event), the routing key
/// names its type, well-known fields (UserId, DeviceId, ShowId, ServiceId, Item, CityId, a time) fill the event, and
/// the other scalar fields become attributes. Read by name, not by the producers' types, so analytics depends on no
/// producer's assembly and a field a producer adds later simply shows up as an attribute.
/// </summary>
public static class BusinessEvents
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["booking.confirmed"] = "booking",
        ["booking.cancelled"] = "booking_cancelled",
        ["booking.failed"] = "booking_failed",
        ["booking.hold_expired"] = "hold_expired",
        ["hold.created"] = "hold",
        ["payment.succeeded"] = "payment",
        ["payment.failed"] = "payment",
        ["user.signed_in"] = "sign_in",
        ["ad.impression"] = "ad_impression",
        ["ad.clicked"] = "ad_click",
    };

    private static readonly string[] TimeFields = ["Time", "OccurredAt", "CreateTime", "ExpiredAt", "SignedInAt"];

    /// <summary>The analytics event, or null for a type analytics does not read or a body that is not a JSON object.</summary>
    public static AnalyticsEvent? Read(string routingKey, Guid messageId, ReadOnlySpan<byte> body, DateTime receivedAt)
    {
        if (!Types.TryGetValue(routingKey, out var type)) return null;
        JsonDocument document;
        try { document = JsonDocument.Parse(body.ToArray()); }
        catch (JsonException) { return null; }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) return null;
            var e = new AnalyticsEvent { Id = messageId.ToString(), Type = type, Time = Timestamp.FromDateTime(receivedAt) };
            if (routingKey.StartsWith("payment.", StringComparison.Ordinal))
                e.Attributes["outcome"] = routingKey == "payment.failed" ? "failed" : "succeeded";
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = Scalar(property.Value);
                if (value is null) continue;
                switch (property.Name)
                {
                    case "UserId": e.UserId = value; break;
                    case "DeviceId": e.DeviceId = value; break;
                    case "CityId": e.CityId = value; break;
                    case "Item": e.Item = value; break;
                    case "ShowId" when e.Item.Length == 0: e.Item = $"shows/{value}"; break;
                    case "ServiceId" when e.Item.Length == 0: e.Item = $"services/{value}"; break;
                    case var name when TimeFields.Contains(name)
                        && DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at):
                        e.Time = Timestamp.FromDateTime(DateTime.SpecifyKind(at, DateTimeKind.Utc));
                        break;
                    default:
                        if (e.Attributes.Count < 20) e.Attributes[ToSnake(property.Name)] = value.Length <= 512 ? value : value[..512];
                        break;
                }
            }
            return e;
        }
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private static string ToSnake(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) builder.Append('_');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }
}
