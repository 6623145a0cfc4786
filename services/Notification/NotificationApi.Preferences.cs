using Mesh.Notification.Preferences;
using Mesh.Notification.V1;

namespace Mesh.Notification;

public sealed partial class NotificationApi
{
    public override async Task<NotificationPreferences> GetNotificationPreferences(GetNotificationPreferencesRequest request, ServerCallContext context)
    {
        var caller = NotificationCaller.From(context);
        return (await preferences.GetAsync(caller.Id, context.CancellationToken)).ToProto();
    }

    public override async Task<NotificationPreferences> UpdateNotificationPreferences(UpdateNotificationPreferencesRequest request, ServerCallContext context)
    {
        var caller = NotificationCaller.From(context);
        var current = await preferences.GetAsync(caller.Id, context.CancellationToken);
        var updated = PreferenceInput.Apply(current, request);
        return (await preferences.SaveAsync(updated, clock.GetUtcNow(), context.CancellationToken)).ToProto();
    }
}
