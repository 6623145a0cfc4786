namespace Mesh.Catalog.Seats;

/// <summary>
/// Places taken (held or booked) per slot of a bookable service. The booking service owns that truth; the catalog
/// subtracts it from a slot's capacity to answer ListServiceSlots' available.
/// </summary>
public interface ISlotUsage
{
    /// <summary>Taken places by slot start (UTC) for slots starting in [from, to); slots missing from the answer are free.</summary>
    Task<IReadOnlyDictionary<DateTime, int>> GetTakenPlacesAsync(Guid serviceId, DateTime from, DateTime to, CancellationToken cancellationToken);
}

/// <summary>Without a booking service (a catalog run alone, the catalog's own tests): nothing is taken.</summary>
public sealed class NoSlotUsage : ISlotUsage
{
    private static readonly IReadOnlyDictionary<DateTime, int> None = new Dictionary<DateTime, int>();

    public Task<IReadOnlyDictionary<DateTime, int>> GetTakenPlacesAsync(Guid serviceId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        Task.FromResult(None);
}
