using System.Globalization;
using Mesh.Notification.Broadcasts;
using Mesh.Notification.Events;
using Mesh.Notification.Inbox;
using Mesh.Notification.Reminders;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Notification.Workers;

/// <summary>
/// The single-user event queue (<c>notification.events</c>): every event in <see cref="EventTypes.All"/>, each handled
/// once through the inbox (mesh_inbox) in one transaction with the notifications, deliveries, reminders and
/// broadcast plans it makes. A catalog.show_created only plans its broadcast here (a handful of outbox rows); the
/// heavy part runs on the broadcast work queue (<see cref="BroadcastBatchConsumer"/>), so a large broadcast never
/// stands in front of a booking confirmation in this queue.
/// </summary>
public sealed class EventConsumer(NpgsqlDataSource db, ReminderStore reminders, BroadcastStore broadcasts, TimeProvider clock,
    IConfiguration configuration, ILogger<EventConsumer> logger) : InboxConsumerService(db, configuration, logger)
{
    public const string Queue = "notification.events";

    protected override InboxConsumerOptions Options => new() { Queue = Queue, Bindings = EventTypes.All, Prefetch = 32 };

    protected override Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        HandleEventAsync(message, transaction);

    /// <summary>What one event does (also called by tests and tools that hold a transaction).</summary>
    public async Task HandleEventAsync(InboxMessage message, NpgsqlTransaction transaction)
    {
        var now = clock.GetUtcNow();
        switch (message.Type)
        {
            case EventTypes.ShowCreated:
                var show = message.Json<EventTypes.ShowCreatedBody>();
                if (string.IsNullOrEmpty(show.CityId)) return;
                await broadcasts.PlanAsync(transaction, show.ShowId, show.CityId, new Dictionary<string, string>
                {
                    ["show_id"] = show.ShowId.ToString(), ["event_id"] = show.EventId.ToString(), ["venue_id"] = show.VenueId.ToString(),
                    ["city_id"] = show.CityId, ["starts_at"] = Money.Time(show.StartTime), ["event_title"] = show.EventTitle ?? "",
                }, now);
                return;
            case EventTypes.BookingConfirmed:
                var confirmed = message.Json<EventTypes.BookingConfirmedBody>();
                var intent = EventIntents.From(message)[0];
                await InboxStore.AddAsync(transaction, intent, now);
                await reminders.ScheduleAsync(transaction, confirmed.BookingId, intent.UserId, confirmed.StartsAt, new Dictionary<string, string>
                {
                    ["booking_id"] = confirmed.BookingId.ToString(), ["starts_at"] = Money.Time(confirmed.StartsAt),
                    ["show_id"] = confirmed.ShowId?.ToString() ?? "", ["tickets"] = confirmed.Tickets.ToString(CultureInfo.InvariantCulture),
                });
                return;
            case EventTypes.BookingCancelled:
                await ReminderStore.CancelAsync(transaction, message.Json<EventTypes.BookingCancelledBody>().BookingId);
                break;
        }
        foreach (var each in EventIntents.From(message))
            await InboxStore.AddAsync(transaction, each, now);
    }
}
