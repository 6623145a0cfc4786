using System.Collections.Concurrent;
using Mesh.Booking.V1;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Seats;

/// <summary>
/// Seat status from the booking service (ListSeatStatus: one query per show there), cached here per show for
/// <see cref="Freshness"/> so a popular seat map costs booking one call per show per second, not one per viewer.
/// Staleness: a seat held or freed in the last second may still show its previous status; booking's own claims stay
/// the truth (CreateHold refuses a taken seat whatever the map said). Concurrent readers of one show share one call.
/// When booking cannot answer, the seat map fails with UNAVAILABLE rather than showing seats as AVAILABLE that may
/// not be.
/// </summary>
public sealed class BookingSeatAvailability(Mesh.Booking.V1.Booking.BookingClient booking, TimeProvider time, ILogger<BookingSeatAvailability> logger) : ISeatAvailability
{
    /// <summary>How long one answer of booking serves a show's seat maps.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    /// <summary>How long a seat map waits for booking before it gives up (UNAVAILABLE).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    // Bounds memory: past this many shows, answers older than Freshness are dropped at the next miss.
    private const int MaxCachedShows = 10_000;

    private readonly ConcurrentDictionary<Guid, Entry> _byShow = new();

    // Lazy: AddOrUpdate may build an entry it then discards under contention; only the stored one ever calls booking.
    private sealed record Entry(Lazy<Task<IReadOnlyDictionary<Guid, SeatStatus>>> Answer, DateTimeOffset FetchedAt);

    public async Task<IReadOnlyDictionary<Guid, SeatStatus>> GetTakenSeatsAsync(Guid showId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = _byShow.AddOrUpdate(showId, id => NewEntry(id, now), (id, cached) => IsUsable(cached, now) ? cached : NewEntry(id, now));
        try
        {
            return await entry.Answer.Value.WaitAsync(cancellationToken);
        }
        catch (RpcException e)
        {
            // A failed answer is never served again: the next reader asks booking anew.
            _byShow.TryRemove(new KeyValuePair<Guid, Entry>(showId, entry));
            logger.LogWarning("Seat status of show {ShowId} unavailable: booking answered {Status}", showId, e.StatusCode);
            throw new RpcException(new Status(StatusCode.Unavailable, "Seat availability is temporarily unavailable; try again shortly."));
        }
    }

    private static bool IsUsable(Entry cached, DateTimeOffset now) =>
        !cached.Answer.IsValueCreated || !cached.Answer.Value.IsCompleted
        || (cached.Answer.Value.IsCompletedSuccessfully && now - cached.FetchedAt < Freshness);

    private Entry NewEntry(Guid showId, DateTimeOffset now)
    {
        if (_byShow.Count > MaxCachedShows)
            foreach (var (id, old) in _byShow)
                if (now - old.FetchedAt >= Freshness && old.Answer.IsValueCreated && old.Answer.Value.IsCompleted)
                    _byShow.TryRemove(new KeyValuePair<Guid, Entry>(id, old));
        return new Entry(new Lazy<Task<IReadOnlyDictionary<Guid, SeatStatus>>>(() => FetchAsync(showId)), now);
    }

    /// <summary>Not the reader's token: the answer is shared by every reader of the show until it is stale.</summary>
    private async Task<IReadOnlyDictionary<Guid, SeatStatus>> FetchAsync(Guid showId)
    {
        var response = await booking.ListSeatStatusAsync(new ListSeatStatusRequest { ShowId = showId.ToString() }, deadline: DateTime.UtcNow + CallTimeout);
        var taken = new Dictionary<Guid, SeatStatus>(response.Seats.Count);
        foreach (var seat in response.Seats)
            if (Guid.TryParse(seat.SeatId, out var id))
                taken[id] = seat.State == SeatState.SeatBooked ? SeatStatus.Booked : SeatStatus.Held;
        return taken;
    }
}
