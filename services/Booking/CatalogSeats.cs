using System.Collections.Concurrent;
using Mesh.Catalog.V1;

namespace Mesh.Booking;

/// <summary>
/// The show and its priced seat map, from the catalog over gRPC: the only source of prices (never the client).
/// A hold reads them through a short in-process cache (<see cref="BookingOptions.CatalogCacheDuration"/>, default
/// 2 s; docs/decisions/0004-booking-catalog-cache.md): a popular show's 500-seat map is otherwise fetched and
/// parsed on every hold. Checkout asks the catalog itself, uncached, for the show alone (<see cref="FindShowAsync"/>):
/// a show cancelled a moment ago is never booked.
/// </summary>
public sealed class CatalogSeats(Mesh.Catalog.V1.Catalog.CatalogClient catalog, BookingOptions options, TimeProvider time)
{
    public sealed record ShowSeats(Show Show, IReadOnlyDictionary<Guid, ShowSeat> Seats);

    private sealed record Cached(ShowSeats Seats, DateTimeOffset Until);

    // Bounded so a crawl over many shows cannot grow it without limit: past this, expired entries are dropped, and if
    // that is not enough the whole cache (it only saves catalog calls).
    private const int MaxEntries = 1024;
    private readonly ConcurrentDictionary<Guid, Cached> _cache = new();

    /// <summary>The show with its sellable seats by id (at most <see cref="BookingOptions.CatalogCacheDuration"/> old), or null when the catalog has no such show.</summary>
    public async Task<ShowSeats?> FindAsync(Guid showId, CancellationToken cancellationToken)
    {
        var ttl = options.CatalogCacheDuration;
        var now = time.GetUtcNow();
        if (ttl > TimeSpan.Zero && _cache.TryGetValue(showId, out var hit) && hit.Until > now) return hit.Seats;
        var fresh = await FetchAsync(showId, cancellationToken);
        // A missing show is not cached: it may be created a moment later, and NotFound is cheap for the catalog.
        if (fresh is not null && ttl > TimeSpan.Zero)
        {
            if (_cache.Count >= MaxEntries) Trim(now);
            _cache[showId] = new Cached(fresh, now + ttl);
        }
        return fresh;
    }

    /// <summary>The show alone (no seat map), straight from the catalog; null when it has no such show.</summary>
    public async Task<Show?> FindShowAsync(Guid showId, CancellationToken cancellationToken)
    {
        try
        {
            return await catalog.GetShowAsync(new GetShowRequest { Id = showId.ToString() }, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<ShowSeats?> FetchAsync(Guid showId, CancellationToken cancellationToken)
    {
        try
        {
            // Both at once: a hold waits for one catalog round trip, not two.
            var showCall = catalog.GetShowAsync(new GetShowRequest { Id = showId.ToString() }, cancellationToken: cancellationToken).ResponseAsync;
            var seatsCall = catalog.ListShowSeatsAsync(new ListShowSeatsRequest { Id = showId.ToString() }, cancellationToken: cancellationToken).ResponseAsync;
            await Task.WhenAll(showCall, seatsCall);
            var (show, seats) = (await showCall, await seatsCall);
            var byId = new Dictionary<Guid, ShowSeat>();
            foreach (var seat in seats.Seats)
                if (Guid.TryParse(seat.Id, out var id)) byId[id] = seat;
            return new ShowSeats(show, byId);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (id, entry) in _cache)
            if (entry.Until <= now) _cache.TryRemove(id, out _);
        if (_cache.Count >= MaxEntries) _cache.Clear();
    }
}
