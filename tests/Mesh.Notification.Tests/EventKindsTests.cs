using Mesh.Notification.Tests.Support;
using Mesh.Notification.V1;

namespace Mesh.Notification.Tests;

/// <summary>
/// Every kind of event a user should hear about reaches their inbox and the channels they chose exactly once — even
/// when the broker delivers it twice, and even when the service is killed after handling it and before its ack
/// (the broker then delivers it again to the next instance).
/// </summary>
public sealed class EventKindsTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    public static TheoryData<string> Kinds => new(ProducerEvents.Kinds);

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Each_kind_reaches_the_inbox_and_the_chosen_channels_once_when_delivered_twice(string kind)
    {
        var produced = ProducerEvents.Of(kind, fixture.Clock.GetUtcNow());
        var users = produced.Users.Select(id => new TestCaller(id, ["customer"], fixture.Tokens)).ToList();
        foreach (var user in users)
            await fixture.PreferAsync(user, WithEmailAndSms($"{user.Id}@example.com", "+4915112345678"), "email", "phone", "categories");

        await fixture.PublishAsync(produced.Message);
        await fixture.PublishAsync(produced.Message); // the broker delivers it again (a relay's re-publish)
        await NotificationFixture.WaitUntilAsync(() => fixture.HandledAsync(produced.Message.Id));
        await fixture.Deliveries.RunOnceAsync(TestContext.Current.CancellationToken);

        foreach (var user in users)
        {
            var inbox = await fixture.Client.ListNotificationsAsync(new ListNotificationsRequest(), user.Bearer, cancellationToken: TestContext.Current.CancellationToken);
            var notification = Assert.Single(inbox.Notifications);
            Assert.Equal(kind, notification.Kind);
            Assert.NotEmpty(notification.Title);
            if (Templates.TemplateCatalog.Knows(kind))
            {
                // The kind's own template (not the producer's fallback text), every placeholder filled from the event's data.
                Assert.StartsWith(Templates.TemplateCatalog.Render(kind, "en", new Dictionary<string, string>()).Title.Split('{')[0], notification.Title);
                Assert.DoesNotContain("{", notification.Title + notification.Body);
            }
            Assert.Equal(1, inbox.UnreadCount);
            Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM sandbox_messages m JOIN deliveries d ON d.id = m.idempotency_key WHERE d.user_id = @Id AND m.channel = 'email'", new { user.Id }));
            Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM sandbox_messages m JOIN deliveries d ON d.id = m.idempotency_key WHERE d.user_id = @Id AND m.channel = 'sms'", new { user.Id }));
        }
    }

    [Fact]
    public async Task An_event_redelivered_after_the_service_was_killed_before_its_ack_adds_nothing()
    {
        var produced = ProducerEvents.Of("booking_failed", fixture.Clock.GetUtcNow());
        var user = new TestCaller(produced.Users[0], ["customer"], fixture.Tokens);
        await fixture.PreferAsync(user, new NotificationPreferences { Email = "killed@example.com" }, "email");
        await fixture.DeliverAsync(produced.Message);

        // Killed between its commit and the ack: the broker hands the unacknowledged message to the next instance.
        await fixture.RestartServiceAsync();
        await fixture.PublishAsync(produced.Message);
        var marker = ProducerEvents.Of("booking_failed", fixture.Clock.GetUtcNow());
        await fixture.DeliverAsync(marker.Message); // one queue, in order: once this is handled, the redelivery was too
        await fixture.Deliveries.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @Id", new { user.Id }));
        Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE user_id = @Id", new { user.Id }));
        Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM sandbox_messages WHERE destination = 'killed@example.com'"));
    }

    [Fact]
    public async Task A_user_who_chose_no_email_gets_the_inbox_only_and_one_who_unsubscribed_gets_no_email_or_sms()
    {
        var quiet = ProducerEvents.Of("refund_succeeded", fixture.Clock.GetUtcNow());
        var quietUser = new TestCaller(quiet.Users[0], ["customer"], fixture.Tokens);
        var prefs = new NotificationPreferences { Email = "noemail@example.com" };
        prefs.Categories.Add(new CategoryChannels { Category = "payments", Email = false, Sms = false });
        await fixture.PreferAsync(quietUser, prefs, "email", "categories");
        var gone = ProducerEvents.Of("refund_succeeded", fixture.Clock.GetUtcNow());
        var goneUser = new TestCaller(gone.Users[0], ["customer"], fixture.Tokens);
        var unsubscribe = WithEmailAndSms("gone@example.com", "+4915100000000");
        unsubscribe.Unsubscribed = true;
        await fixture.PreferAsync(goneUser, unsubscribe, "email", "phone", "categories", "unsubscribed");

        await fixture.DeliverAsync(quiet.Message);
        await fixture.DeliverAsync(gone.Message);

        foreach (var user in new[] { quietUser, goneUser })
        {
            Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @Id", new { user.Id }));
            Assert.Equal(0, await fixture.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE user_id = @Id", new { user.Id }));
        }
    }

    [Fact]
    public async Task A_user_who_reads_german_gets_german_text_and_a_kind_without_a_template_keeps_the_producers_text()
    {
        var produced = ProducerEvents.Of("booking_cancelled", fixture.Clock.GetUtcNow());
        var user = new TestCaller(produced.Users[0], ["customer"], fixture.Tokens);
        await fixture.PreferAsync(user, new NotificationPreferences { Locale = "de" }, "locale");
        await fixture.DeliverAsync(produced.Message);
        var custom = Mesh.Payment.Notifications.NotificationRequests.For(user.Id, "instalment_plan_defaulted", "Instalment 2 of 3 could not be collected",
            "Your plan ended.", new Dictionary<string, string>());
        await fixture.DeliverAsync(custom);

        var inbox = await fixture.Client.ListNotificationsAsync(new ListNotificationsRequest(), user.Bearer, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, inbox.Notifications.Count);
        Assert.Equal("Instalment 2 of 3 could not be collected", inbox.Notifications[0].Title);
        Assert.Equal("payments", inbox.Notifications[0].Category);
        Assert.Equal("Buchung storniert", inbox.Notifications[1].Title);
        Assert.Contains("25.00 EUR", inbox.Notifications[1].Body);
    }

    private static NotificationPreferences WithEmailAndSms(string email, string phone)
    {
        var prefs = new NotificationPreferences { Email = email, Phone = phone };
        foreach (var category in Templates.Categories.All) prefs.Categories.Add(new CategoryChannels { Category = category, Email = true, Sms = true });
        return prefs;
    }
}
