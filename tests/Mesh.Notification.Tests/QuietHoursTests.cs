using Mesh.Notification.Tests.Support;
using Mesh.Notification.V1;

namespace Mesh.Notification.Tests;

/// <summary>
/// Quiet hours hold email and SMS until they end (in the user's time zone, on the injected clock); the inbox and the
/// live stream get the notification at once.
/// </summary>
public sealed class QuietHoursTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Email_and_sms_wait_for_the_end_of_quiet_hours_while_inbox_and_live_push_arrive_at_once()
    {
        // 23:30 in Berlin (winter, UTC+1); quiet from 22:00 to 07:00 there.
        fixture.Clock.Set(new DateTimeOffset(2027, 1, 15, 22, 30, 0, TimeSpan.Zero));
        var produced = ProducerEvents.Of("booking_failed", fixture.Clock.GetUtcNow());
        var user = new TestCaller(produced.Users[0], ["customer"], fixture.Tokens);
        var prefs = new NotificationPreferences { Email = "night@example.com", Phone = "+4915199999999", QuietHours = new QuietHours { Start = "22:00", End = "07:00", TimeZone = "Europe/Berlin" } };
        prefs.Categories.Add(new CategoryChannels { Category = "bookings", Email = true, Sms = true });
        await fixture.PreferAsync(user, prefs, "email", "phone", "quiet_hours", "categories");

        using var stream = fixture.Client.Stream(new StreamNotificationsRequest(), user.Bearer, cancellationToken: Ct);
        Assert.True(await stream.ResponseStream.MoveNext(Ct)); // open: nothing unread yet
        Assert.Null(stream.ResponseStream.Current.Notification);
        Assert.Equal(0, stream.ResponseStream.Current.UnreadCount);
        await fixture.DeliverAsync(produced.Message);

        Assert.True(await stream.ResponseStream.MoveNext(Ct));
        Assert.Equal("booking_failed", stream.ResponseStream.Current.Notification?.Kind);
        Assert.Equal(1, stream.ResponseStream.Current.UnreadCount);
        Assert.Single((await fixture.Client.ListNotificationsAsync(new ListNotificationsRequest(), user.Bearer, cancellationToken: Ct)).Notifications);

        await fixture.Deliveries.RunOnceAsync(Ct);
        Assert.Equal(0, await SentToAsync(user));
        var morning = new DateTime(2027, 1, 16, 6, 0, 0, DateTimeKind.Utc); // 07:00 in Berlin
        Assert.Equal(2, await fixture.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE user_id = @Id AND state = 'pending' AND attempts = 0 AND next_attempt_time = @morning", new { user.Id, morning }));

        fixture.Clock.Set(new DateTimeOffset(morning.AddMinutes(-1)));
        await fixture.Deliveries.RunOnceAsync(Ct);
        Assert.Equal(0, await SentToAsync(user));
        fixture.Clock.Set(new DateTimeOffset(morning));
        await fixture.Deliveries.RunOnceAsync(Ct);
        Assert.Equal(2, await SentToAsync(user));
    }

    [Fact]
    public void Quiet_hours_that_do_not_span_midnight_and_times_outside_them()
    {
        var prefs = Preferences.UserPreferences.Default(Guid.NewGuid()) with
        {
            QuietStart = new TimeOnly(13, 0), QuietEnd = new TimeOnly(15, 0), TimeZone = "America/New_York",
        };
        // 14:00 in New York (summer, UTC-4) → until 15:00 there.
        Assert.Equal(new DateTimeOffset(2027, 7, 1, 19, 0, 0, TimeSpan.Zero), prefs.QuietUntil(new DateTimeOffset(2027, 7, 1, 18, 0, 0, TimeSpan.Zero)));
        Assert.Null(prefs.QuietUntil(new DateTimeOffset(2027, 7, 1, 19, 0, 0, TimeSpan.Zero)));
        Assert.Null(prefs.QuietUntil(new DateTimeOffset(2027, 7, 1, 16, 59, 0, TimeSpan.Zero)));
        Assert.Null(Preferences.UserPreferences.Default(Guid.NewGuid()).QuietUntil(DateTimeOffset.UtcNow));
    }

    private Task<long> SentToAsync(TestCaller user) =>
        fixture.ScalarAsync<long>("SELECT count(*) FROM sandbox_messages m JOIN deliveries d ON d.id = m.idempotency_key WHERE d.user_id = @Id", new { user.Id });
}
