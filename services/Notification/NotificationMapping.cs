using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Notification.Delivery;
using Mesh.Notification.Inbox;
using Mesh.Notification.Preferences;
using Mesh.Notification.Templates;
using Mesh.Notification.V1;


namespace Mesh.Notification;

/// <summary>Rows and domain records as the contract's messages.</summary>
public static class NotificationMapping
{
    public static V1.Notification ToProto(this NotificationRow row)
    {
        var message = new V1.Notification
        {
            Id = row.Id.ToString(), Kind = row.Kind, Category = row.Category, Title = row.Title, Body = row.Body,
            CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(row.CreateTime, DateTimeKind.Utc)),
            ReadTime = row.ReadTime is { } read ? Timestamp.FromDateTime(DateTime.SpecifyKind(read, DateTimeKind.Utc)) : null,
        };
        message.Data.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(row.Data) ?? []);
        return message;
    }

    public static V1.Delivery ToProto(this DeliveryRow row) => new()
    {
        Id = row.Id.ToString(), NotificationId = row.NotificationId.ToString(), UserId = row.UserId.ToString(), Channel = row.Channel,
        State = row.State switch { "pending" => DeliveryState.Pending, "sent" => DeliveryState.Sent, "dead" => DeliveryState.Dead, _ => DeliveryState.Unspecified },
        Attempts = row.Attempts, LastError = row.LastError ?? "",
        NextAttemptTime = Timestamp.FromDateTime(DateTime.SpecifyKind(row.NextAttemptTime, DateTimeKind.Utc)),
        CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(row.CreateTime, DateTimeKind.Utc)),
    };

    public static NotificationPreferences ToProto(this UserPreferences p)
    {
        var message = new NotificationPreferences
        {
            Unsubscribed = p.Unsubscribed, Locale = p.Locale, Email = p.Email ?? "", Phone = p.Phone ?? "", HomeCityId = p.HomeCityId ?? "",
            QuietHours = new QuietHours { Start = p.QuietStart?.ToString("HH:mm") ?? "", End = p.QuietEnd?.ToString("HH:mm") ?? "", TimeZone = p.TimeZone },
            UpdateTime = p.UpdateTime is { } t ? Timestamp.FromDateTimeOffset(t) : null,
        };
        foreach (var category in Categories.All)
        {
            var choice = p.For(category);
            message.Categories.Add(new CategoryChannels { Category = category, Email = choice.Email, Sms = choice.Sms });
        }
        return message;
    }
}
