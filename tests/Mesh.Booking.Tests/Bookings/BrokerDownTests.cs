using System.Collections.Concurrent;
using System.Text.Json;
using Mesh.Booking.Bookings;
using Mesh.Booking.V1;
using Mesh.ServiceDefaults.Messaging;
using Mesh.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RabbitMQ.Client;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>Booking's broker connection runs through a proxy the test can cut.</summary>
public sealed class BrokerBehindProxyFixture(TestServers servers) : CheckoutFixture(servers)
{
    public BreakableTcpProxy Proxy { get; private set; } = null!;

    protected override Task<string> BookingMessagingAsync(string messaging)
    {
        var uri = new UriBuilder(messaging);
        Proxy = new BreakableTcpProxy(uri.Port);
        uri.Port = Proxy.Port;
        return Task.FromResult(uri.Uri.ToString());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Proxy is not null) await Proxy.DisposeAsync();
    }
}

/// <summary>
/// RabbitMQ unreachable while bookings are confirmed: the BookingConfirmed events wait in booking's mesh_outbox, are
/// published once the broker is back, and a consumer handles each exactly once even when one is delivered twice.
/// </summary>
public sealed class BrokerDownTests(BrokerBehindProxyFixture fixture) : IClassFixture<BrokerBehindProxyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Confirmations_made_while_the_broker_is_away_are_delivered_after_it_returns_and_handled_once()
    {
        var handled = new ConcurrentDictionary<Guid, int>();
        await using var events = NpgsqlDataSource.Create(fixture.BookingDb);
        await using var consumer = new InboxConsumer(events, new InboxConsumerOptions
        {
            ConnectionString = fixture.Messaging, Queue = $"test.confirmed-{Guid.NewGuid():N}", Bindings = [BookingMessages.ConfirmedType],
        }, NullLogger.Instance);
        await consumer.StartAsync((message, _, _) =>
        {
            handled.AddOrUpdate(message.Json<BookingMessages.BookingConfirmed>().BookingId, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }, Ct);

        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        fixture.Proxy.Down();
        var booked = new List<BookingRecord>();
        try
        {
            for (var i = 0; i < 3; i++) booked.Add(await fixture.BookAsync(alice, show, seats[i]));
            Assert.All(booked, b => Assert.Equal(BookingStatus.Confirmed, b.Status));
            Assert.Equal(3L, await UnsentConfirmationsAsync(booked));
            Assert.Empty(handled);
        }
        finally
        {
            fixture.Proxy.Up();
        }

        await Eventually.UntilAsync(() => Task.FromResult(handled.Count), n => n == 3, "the three confirmations to be delivered");
        // The relay marks a batch sent after the broker confirmed all of it: a consumer may have handled it before.
        await Eventually.UntilAsync(() => UnsentConfirmationsAsync(booked), n => n == 0, "the three confirmations to be marked sent");

        // One of them delivered again (same message id), then a sentinel behind it: still handled once each.
        var (id, body) = await OutboxRowAsync(booked[0].Id);
        var sentinel = Guid.NewGuid();
        await PublishAsync(id, body);
        await PublishAsync(Guid.NewGuid(), JsonSerializer.SerializeToUtf8Bytes(new BookingMessages.BookingConfirmed(sentinel, "x", Guid.NewGuid(), null, null, DateTime.UtcNow, 1, "EUR", null, 1)));
        await Eventually.UntilAsync(() => Task.FromResult(handled.ContainsKey(sentinel)), seen => seen, "the sentinel");
        Assert.All(booked, b => Assert.Equal(1, handled[Guid.Parse(b.Id)]));
    }

    private Task<long> UnsentConfirmationsAsync(IEnumerable<BookingRecord> booked) => fixture.BookingScalarAsync<long>(
        "SELECT count(*) FROM mesh_outbox WHERE type = 'booking.confirmed' AND sent_at IS NULL AND convert_from(body, 'UTF8')::jsonb->>'BookingId' = ANY(@ids)",
        new { ids = booked.Select(b => b.Id).ToArray() });

    private async Task<(Guid, byte[])> OutboxRowAsync(string bookingId)
    {
        await using var connection = new NpgsqlConnection(fixture.BookingDb);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT id, body FROM mesh_outbox WHERE type = 'booking.confirmed' AND convert_from(body, 'UTF8')::jsonb->>'BookingId' = $1", connection);
        command.Parameters.Add(new() { Value = bookingId });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetGuid(0), (byte[])reader[1]);
    }

    private async Task PublishAsync(Guid id, byte[] body)
    {
        var factory = new ConnectionFactory { Uri = new Uri(fixture.Messaging) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        await channel.BasicPublishAsync(MessagingNames.DefaultExchange, BookingMessages.ConfirmedType, false,
            new BasicProperties { MessageId = id.ToString(), Type = BookingMessages.ConfirmedType }, body, Ct);
    }
}
