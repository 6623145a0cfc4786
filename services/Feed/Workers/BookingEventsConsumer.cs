using Mesh.Catalog.V1;
using Mesh.Feed.Bookings;
using Mesh.Feed.Caching;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Feed.Workers;

/// <summary>
/// Booking's events (queue <c>feed.booking-events</c>, deduplicated by message id in mesh_inbox): booking.confirmed
/// records the booking with its show's event, venue, city and genres as the catalog names them (the user's affinities
/// and everyone's co-bookings), booking.cancelled marks it cancelled; either drops the user's cached feed, so their next
/// feed knows. A catalog that does not answer fails the message, which the inbox retries with back-off. Runs only when
/// ConnectionStrings:messaging is set.
/// </summary>
public sealed class BookingEventsConsumer(NpgsqlDataSource db, IConfiguration configuration, Catalog.V1.Catalog.CatalogClient catalog, FeedCache cache,
    ILogger<BookingEventsConsumer> logger) : InboxConsumerService(db, configuration, logger)
{
    public const string Queue = "feed.booking-events";

    protected override InboxConsumerOptions Options => new()
    {
        Queue = Queue, Bindings = [BookingEvents.ConfirmedType, BookingEvents.CancelledType],
    };

    protected override async Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        switch (message.Type)
        {
            case BookingEvents.ConfirmedType:
            {
                var e = message.Json<BookingEvents.Confirmed>();
                await BookedStore.AddAsync(transaction, await DescribeAsync(e, cancellationToken));
                await cache.ForgetUserAsync(e.UserId);
                break;
            }
            case BookingEvents.CancelledType:
            {
                var e = message.Json<BookingEvents.Cancelled>();
                await BookedStore.CancelAsync(transaction, e.BookingId);
                await cache.ForgetUserAsync(e.UserId);
                break;
            }
        }
    }

    /// <summary>The booking with its show as the catalog describes it; a show the catalog no longer has is kept bare.</summary>
    private async Task<BookedRow> DescribeAsync(BookingEvents.Confirmed e, CancellationToken cancellationToken)
    {
        var startsAt = DateTime.SpecifyKind(e.StartsAt, DateTimeKind.Utc);
        if (e.ShowId is not { } showId)
            return new BookedRow { BookingId = e.BookingId, UserId = e.UserId, ServiceId = e.ServiceId, StartsAt = startsAt };
        Show? show = null;
        try { show = await catalog.GetShowAsync(new GetShowRequest { Id = showId.ToString() }, cancellationToken: cancellationToken); }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound) { logger.LogInformation("Show {ShowId} of booking {BookingId} is gone from the catalog", showId, e.BookingId); }
        return new BookedRow
        {
            BookingId = e.BookingId, UserId = e.UserId, ShowId = showId, StartsAt = startsAt,
            EventId = show is not null && Guid.TryParse(show.EventId, out var eventId) ? eventId : null,
            Title = show?.Event?.Title ?? "", VenueId = show?.VenueId ?? "", CityId = show?.CityId ?? "",
            Genres = show?.Event?.Genres.Select(g => g.ToLowerInvariant()).ToArray() ?? [],
        };
    }
}
