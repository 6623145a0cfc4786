using Mesh.Catalog.V1;

namespace Mesh.Catalog.Seats;

/// <summary>
/// Which seats of a show are held or booked. The booking service owns that truth (ListSeatStatus); the catalog asks
/// it through this seam and overlays the answer on the cached seat map, so availability is at most as stale as the
/// seam's own short cache (<see cref="BookingSeatAvailability.Freshness"/>), never the seat map's.
/// </summary>
public interface ISeatAvailability
{
    /// <summary>Status by seat id for the seats that are not AVAILABLE; seats missing from the answer are AVAILABLE.</summary>
    Task<IReadOnlyDictionary<Guid, SeatStatus>> GetTakenSeatsAsync(Guid showId, CancellationToken cancellationToken);
}

/// <summary>Without a booking service (a catalog run alone, the catalog's own tests): nothing is held or booked.</summary>
public sealed class AllSeatsAvailable : ISeatAvailability
{
    private static readonly IReadOnlyDictionary<Guid, SeatStatus> None = new Dictionary<Guid, SeatStatus>();

    public Task<IReadOnlyDictionary<Guid, SeatStatus>> GetTakenSeatsAsync(Guid showId, CancellationToken cancellationToken) =>
        Task.FromResult(None);
}
