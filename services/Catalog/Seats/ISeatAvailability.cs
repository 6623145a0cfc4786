using Mesh.Catalog.V1;

namespace Mesh.Catalog.Seats;

/// <summary>
/// Which seats of a show are held or booked. The booking service (issue 9) owns that truth; the catalog asks it
/// through this seam and overlays the answer on the cached seat map, so availability is never served stale from cache.
/// </summary>
public interface ISeatAvailability
{
    /// <summary>Status by seat id for the seats that are not AVAILABLE; seats missing from the answer are AVAILABLE.</summary>
    Task<IReadOnlyDictionary<Guid, SeatStatus>> GetTakenSeatsAsync(Guid showId, CancellationToken cancellationToken);
}

/// <summary>The default until booking exists: nothing is held or booked.</summary>
public sealed class AllSeatsAvailable : ISeatAvailability
{
    private static readonly IReadOnlyDictionary<Guid, SeatStatus> None = new Dictionary<Guid, SeatStatus>();

    public Task<IReadOnlyDictionary<Guid, SeatStatus>> GetTakenSeatsAsync(Guid showId, CancellationToken cancellationToken) =>
        Task.FromResult(None);
}
