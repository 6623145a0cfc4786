using Mesh.Notification.Tests.Support;
using Mesh.Notification.V1;

namespace Mesh.Notification.Tests;

/// <summary>The reminder 24 hours before a show, computed from booking.confirmed's start time (no producer event needed).</summary>
public sealed class ReminderTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_confirmed_booking_is_reminded_once_24_hours_before_it_starts_and_a_cancelled_one_never()
    {
        var user = fixture.Customer();
        var startsAt = fixture.Clock.GetUtcNow().AddDays(3);
        var kept = Guid.NewGuid();
        var cancelled = Guid.NewGuid();
        var confirmed = ProducerEvents.Confirmed(user.Id, startsAt, kept);
        await fixture.DeliverAsync(confirmed);
        await fixture.PublishAsync(confirmed); // delivered twice: still one reminder
        await fixture.DeliverAsync(ProducerEvents.Confirmed(user.Id, startsAt, cancelled));
        await fixture.DeliverAsync(ProducerEvents.Cancelled(user.Id, cancelled));
        await fixture.DeliverAsync(ProducerEvents.Confirmed(user.Id, fixture.Clock.GetUtcNow().AddHours(5))); // too close for a reminder

        fixture.Clock.Set(startsAt.AddHours(-24).AddMinutes(-1));
        Assert.Equal(0, await fixture.Reminders.SendDueAsync(Ct));
        fixture.Clock.Set(startsAt.AddHours(-24));
        Assert.Equal(1, await fixture.Reminders.SendDueAsync(Ct));
        Assert.Equal(0, await fixture.Reminders.SendDueAsync(Ct));

        var inbox = await fixture.Client.ListNotificationsAsync(new ListNotificationsRequest { PageSize = 100 }, user.Bearer, cancellationToken: Ct);
        var reminder = Assert.Single(inbox.Notifications, n => n.Kind == "show_reminder");
        Assert.Equal(kept.ToString(), reminder.Data["booking_id"]);
        Assert.Equal("reminders", reminder.Category);
        Assert.Equal(3, inbox.Notifications.Count(n => n.Kind == "booking_confirmed"));
        Assert.Single(inbox.Notifications, n => n.Kind == "booking_cancelled");
    }
}
