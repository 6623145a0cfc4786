using Mesh.Notification.Inbox;
using Mesh.Notification.Live;
using Mesh.Notification.V1;

namespace Mesh.Notification;

/// <summary>
/// mesh.notification.v1.Notifications: the caller's inbox and live stream (here), preferences
/// (NotificationApi.Preferences.cs) and the staff's dead letters (NotificationApi.DeadLetters.cs).
/// </summary>
public sealed partial class NotificationApi(InboxStore inbox, InboxFanout fanout, Preferences.PreferenceStore preferences,
    Delivery.DeadLetterStore deadLetters, TimeProvider clock) : Notifications.NotificationsBase
{
    public override async Task<ListNotificationsResponse> ListNotifications(ListNotificationsRequest request, ServerCallContext context)
    {
        var caller = NotificationCaller.From(context);
        var size = PageSize(request.PageSize);
        var after = PageTokens.Parse(request.PageToken);
        var (page, unread) = await inbox.ListAsync(caller.Id, after, size + 1, request.UnreadOnly, context.CancellationToken);
        var response = new ListNotificationsResponse { UnreadCount = unread };
        response.Notifications.AddRange(page.Take(size).Select(n => n.ToProto()));
        if (page.Count > size) response.NextPageToken = PageTokens.For(page[size - 1].Seq);
        return response;
    }

    public override async Task<V1.Notification> MarkNotificationRead(MarkNotificationReadRequest request, ServerCallContext context)
    {
        var caller = NotificationCaller.From(context);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var row = await inbox.MarkReadAsync(caller.Id, id, clock.GetUtcNow(), context.CancellationToken);
        return row?.ToProto() ?? throw new RpcException(new Status(StatusCode.NotFound, $"No notification {id} in your inbox."));
    }

    public override async Task<MarkAllNotificationsReadResponse> MarkAllNotificationsRead(MarkAllNotificationsReadRequest request, ServerCallContext context)
    {
        var caller = NotificationCaller.From(context);
        var marked = await inbox.MarkAllReadAsync(caller.Id, clock.GetUtcNow(), context.CancellationToken);
        return new MarkAllNotificationsReadResponse { Marked = marked, UnreadCount = 0 };
    }

    /// <summary>
    /// Subscribes before reading where the inbox stands, so nothing committed in between is missed; says so with the
    /// first event (the unread count), then on every wake-up sends what arrived after the last notification sent, in
    /// arrival order. (The first event also opens the response at once, over REST too, where headers alone would wait
    /// in the pipe.)
    /// </summary>
    public override async Task Stream(StreamNotificationsRequest request, IServerStreamWriter<NotificationStreamEvent> responseStream, ServerCallContext context)
    {
        var caller = NotificationCaller.From(context);
        var cancellationToken = context.CancellationToken;
        using var subscription = fanout.Subscribe(caller.Id);
        var last = await inbox.LastSeqAsync(caller.Id, cancellationToken);
        try
        {
            await responseStream.WriteAsync(new NotificationStreamEvent { UnreadCount = await inbox.UnreadCountAsync(caller.Id, cancellationToken) }, cancellationToken);
            while (await subscription.WaitAsync(cancellationToken))
            {
                IReadOnlyList<NotificationRow> fresh;
                do
                {
                    fresh = await inbox.ReadAfterAsync(caller.Id, last, cancellationToken);
                    var unread = fresh.Count > 0 ? await inbox.UnreadCountAsync(caller.Id, cancellationToken) : 0;
                    foreach (var row in fresh)
                    {
                        await responseStream.WriteAsync(new NotificationStreamEvent { Notification = row.ToProto(), UnreadCount = unread }, cancellationToken);
                        last = row.Seq;
                    }
                } while (fresh.Count > 0);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left.
        }
    }

    private static int PageSize(int requested)
    {
        new FieldViolations().Check("page_size", requested is < 0 or > 100 ? "must be between 0 and 100" : null).ThrowIfAny();
        return requested == 0 ? 20 : requested;
    }
}
