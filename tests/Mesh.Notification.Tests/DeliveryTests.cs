using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Notification.Delivery;
using Mesh.Notification.Tests.Support;
using Mesh.Notification.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Notification.Tests;

/// <summary>
/// Email and SMS exactly once: a provider that fails takes a delivery through retries with back-off into the dead
/// letters, staff list and replay it, and the replay sends it once; a crash after the provider took a message and
/// before the outcome was recorded sends it again under the same idempotency key, which the provider drops.
/// </summary>
public sealed class DeliveryTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failing_provider_retries_with_backoff_into_the_dead_letters_and_a_replay_delivers_once()
    {
        var (user, deliveryId) = await PendingEmailAsync("dead@example.com");
        fixture.Sandbox.Failing = true;
        try
        {
            for (var attempt = 1; attempt <= fixture.Options.MaxAttempts; attempt++)
            {
                await fixture.Deliveries.RunOnceAsync(Ct);
                var (state, attempts) = await StateAsync(deliveryId);
                Assert.Equal(attempt, attempts);
                if (attempt < fixture.Options.MaxAttempts)
                {
                    Assert.Equal("pending", state);
                    // Not due again before its back-off has passed: a round now leaves it alone.
                    await fixture.Deliveries.RunOnceAsync(Ct);
                    Assert.Equal(attempt, (await StateAsync(deliveryId)).Attempts);
                    fixture.Clock.Advance(fixture.Deliveries.Backoff(attempt));
                }
                else Assert.Equal("dead", state);
            }
        }
        finally
        {
            fixture.Sandbox.Failing = false;
        }
        Assert.Equal(0, await SentAsync(deliveryId));

        // Staff list the dead letters over REST; a customer may not.
        using var staff = fixture.Rest(fixture.Admin());
        var listed = await staff.GetFromJsonAsync<JsonElement>("/v1/notifications/dead-letters?pageSize=100", Ct);
        var dead = listed.GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("id").GetString() == deliveryId.ToString());
        Assert.Equal("DEAD", dead.GetProperty("state").GetString());
        Assert.Equal(user.Id.ToString(), dead.GetProperty("userId").GetString());
        Assert.Contains("fail", dead.GetProperty("lastError").GetString());
        using var customer = fixture.Rest(user);
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/v1/notifications/dead-letters", Ct)).StatusCode);

        var replayed = await staff.PostAsJsonAsync($"/v1/notifications/dead-letters/{deliveryId}:replay", new { }, Ct);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Equal("PENDING", (await replayed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("state").GetString());
        // A second replay (a double click) changes nothing: it is no longer dead.
        var again = await staff.PostAsJsonAsync($"/v1/notifications/dead-letters/{deliveryId}:replay", new { }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("NOT_DEAD", await again.Content.ReadAsStringAsync(Ct));

        await fixture.Deliveries.RunOnceAsync(Ct);
        await fixture.Deliveries.RunOnceAsync(Ct);
        Assert.Equal(("sent", 1), await StateAsync(deliveryId));
        Assert.Equal(1, await SentAsync(deliveryId));
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.PostAsJsonAsync($"/v1/notifications/dead-letters/{deliveryId}:replay", new { }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await staff.PostAsJsonAsync($"/v1/notifications/dead-letters/{Guid.NewGuid()}:replay", new { }, Ct)).StatusCode);
    }

    [Fact]
    public async Task Killed_after_the_provider_sent_and_before_the_outcome_was_recorded_the_message_is_sent_once()
    {
        var (_, deliveryId) = await PendingEmailAsync("crash@example.com");
        // The provider takes the message, then the process dies (cancellation unwinds the round: its transaction rolls back).
        var crashing = new CrashAfterSend(fixture.Sandbox);
        var round = new DeliveryRound(fixture.Database, crashing, fixture.Options, fixture.Clock, NullLogger<DeliveryRound>.Instance);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => round.RunOnceAsync(Ct));
        Assert.Equal(("pending", 0), await StateAsync(deliveryId));
        Assert.Equal(1, await SentAsync(deliveryId));

        // The next instance finds it pending and sends again, with the same key: recorded once, marked sent.
        await fixture.Deliveries.RunOnceAsync(Ct);
        Assert.Equal(("sent", 1), await StateAsync(deliveryId));
        Assert.Equal(1, await SentAsync(deliveryId));
    }

    private async Task<(TestCaller User, Guid DeliveryId)> PendingEmailAsync(string email)
    {
        var produced = ProducerEvents.Of("payment_failed", fixture.Clock.GetUtcNow());
        var user = new TestCaller(produced.Users[0], ["customer"], fixture.Tokens);
        await fixture.PreferAsync(user, new NotificationPreferences { Email = email }, "email");
        await fixture.DeliverAsync(produced.Message);
        var id = await fixture.ScalarAsync<Guid>("SELECT id FROM deliveries WHERE user_id = @Id AND channel = 'email'", new { user.Id });
        return (user, id);
    }

    private async Task<(string State, int Attempts)> StateAsync(Guid id) =>
        (await fixture.ScalarAsync<string>("SELECT state FROM deliveries WHERE id = @id", new { id }),
         await fixture.ScalarAsync<int>("SELECT attempts FROM deliveries WHERE id = @id", new { id }));

    private Task<long> SentAsync(Guid id) => fixture.ScalarAsync<long>("SELECT count(*) FROM sandbox_messages WHERE idempotency_key = @id", new { id });

    /// <summary>Sends through the real sandbox provider, then dies before the round can record it.</summary>
    private sealed class CrashAfterSend(IMessageProvider inner) : IMessageProvider
    {
        public async Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
        {
            await inner.SendAsync(message, cancellationToken);
            throw new OperationCanceledException("killed after sending");
        }
    }
}
