using Dapper;
using Mesh.Notification.Tests.Support;
using Mesh.Notification.V1;

namespace Mesh.Notification.Tests;

/// <summary>
/// "New show in your city": every user of the city gets it once, in batches on the broadcast work queue; and a large
/// broadcast never holds back a single user's booking confirmation.
/// </summary>
public sealed class BroadcastTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_show_reaches_every_user_of_its_city_once_and_nobody_else()
    {
        var city = $"city-{Guid.NewGuid():N}";
        var users = await SeedCityAsync(city, 700, announcementsByEmail: true);
        var elsewhere = fixture.Customer();
        await fixture.PreferAsync(elsewhere, new NotificationPreferences { HomeCityId = "elsewhere" }, "home_city_id");
        var german = new TestCaller(users[0], ["customer"], fixture.Tokens);
        await fixture.PreferAsync(german, new NotificationPreferences { Locale = "de" }, "locale");

        var show = ProducerEvents.ShowCreated(city, fixture.Clock.GetUtcNow().AddDays(10));
        await fixture.DeliverAsync(show);
        await fixture.PublishAsync(show); // delivered twice: planned once
        var broadcast = await fixture.ScalarAsync<Guid>("SELECT id FROM broadcasts WHERE city_id = @city", new { city });
        Assert.Equal(3, await fixture.ScalarAsync<int>("SELECT batches FROM broadcasts WHERE id = @broadcast", new { broadcast })); // 700 users / 300 a batch
        await NotificationFixture.WaitUntilAsync(async () => await CountAsync(broadcast) == users.Length, () => fixture.DescribeBroadcastAsync(broadcast));
        // This broadcast's batches only: the class's other test leaves a broadcast of its own in the same inbox.
        await NotificationFixture.WaitUntilAsync(async () => await fixture.BroadcastBatchesCommittedAsync(broadcast) == 3, () => fixture.DescribeBroadcastAsync(broadcast));

        Assert.Equal(users.Length, await fixture.ScalarAsync<long>("SELECT count(DISTINCT user_id) FROM notifications WHERE event_id = @broadcast", new { broadcast }));
        Assert.Equal(users.Length, await fixture.ScalarAsync<long>("SELECT count(*) FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.event_id = @broadcast AND d.priority = 1", new { broadcast }));
        Assert.Empty((await fixture.Client.ListNotificationsAsync(new ListNotificationsRequest(), elsewhere.Bearer, cancellationToken: Ct)).Notifications);
        var germanInbox = await fixture.Client.ListNotificationsAsync(new ListNotificationsRequest(), german.Bearer, cancellationToken: Ct);
        Assert.Equal("Neu in deiner Stadt: Hamlet", Assert.Single(germanInbox.Notifications).Title);
    }

    /// <summary>
    /// The bound: a booking confirmation published after a 30,000-user broadcast has started reaches its user's inbox
    /// before the broadcast has finished (while broadcast batches are still waiting on their own queue). It is
    /// count-based, not timed: at the moment the confirmation is in the inbox, fewer than all of the broadcast's
    /// notifications exist.
    /// </summary>
    [Fact]
    public async Task A_large_broadcast_does_not_hold_back_a_booking_confirmation()
    {
        const int audience = 30_000; // 100 batches of 300
        var city = $"city-{Guid.NewGuid():N}";
        await SeedCityAsync(city, audience, announcementsByEmail: false);
        var buyer = fixture.Customer();

        await fixture.DeliverAsync(ProducerEvents.ShowCreated(city, fixture.Clock.GetUtcNow().AddDays(10)));
        var broadcast = await fixture.ScalarAsync<Guid>("SELECT id FROM broadcasts WHERE city_id = @city", new { city });
        await NotificationFixture.WaitUntilAsync(async () => await CountAsync(broadcast) > 0); // under way

        var confirmation = ProducerEvents.Confirmed(buyer.Id, fixture.Clock.GetUtcNow().AddDays(2));
        await fixture.PublishAsync(confirmation);
        await NotificationFixture.WaitUntilAsync(async () => await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM notifications WHERE user_id = @Id AND kind = 'booking_confirmed'", new { buyer.Id }) == 1);
        var sentWhenConfirmed = await CountAsync(broadcast);

        await NotificationFixture.WaitUntilAsync(async () => await CountAsync(broadcast) == audience, () => fixture.DescribeBroadcastAsync(broadcast));
        Assert.True(sentWhenConfirmed < audience, $"the confirmation arrived only after all {audience} broadcast notifications");
        var confirmationSeq = await fixture.ScalarAsync<long>("SELECT seq FROM notifications WHERE user_id = @Id", new { buyer.Id });
        Assert.True(await fixture.ScalarAsync<long>("SELECT max(seq) FROM notifications WHERE event_id = @broadcast", new { broadcast }) > confirmationSeq);
    }

    private Task<long> CountAsync(Guid broadcast) =>
        fixture.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE event_id = @broadcast", new { broadcast });

    /// <summary>Users whose home city is <paramref name="city"/>, written as their saved preferences.</summary>
    private async Task<Guid[]> SeedCityAsync(string city, int count, bool announcementsByEmail)
    {
        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        return (await connection.QueryAsync<Guid>("""
            INSERT INTO preferences (user_id, channels, home_city_id, email, update_time)
            SELECT gen_random_uuid(), CASE WHEN @announcementsByEmail THEN '{"announcements":{"email":true,"sms":false}}'::jsonb ELSE '{}'::jsonb END,
                   @city, 'user' || n || '@example.com', now()
            FROM generate_series(1, @count) n
            RETURNING user_id
            """, new { city, count, announcementsByEmail })).OrderBy(id => id).ToArray();
    }
}
