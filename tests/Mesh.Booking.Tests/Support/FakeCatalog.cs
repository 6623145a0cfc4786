using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.V1;

namespace Mesh.Booking.Tests.Support;

/// <summary>
/// A test double of the catalog's gRPC contract (GetShow, ListShowSeats) with shows the test adds: a fixed seat map
/// with prices, so booking's use of the contract is exercised over real gRPC without the catalog's own database.
/// </summary>
public sealed class FakeCatalog : Mesh.Catalog.V1.Catalog.CatalogBase
{
    public const long StandardPrice = 1200;
    public const long PremiumPrice = 2000;

    private readonly ConcurrentDictionary<string, (Show Show, ListShowSeatsResponse Seats)> _shows = new();

    /// <summary>A show with <paramref name="seatCount"/> seats (every tenth one premium); returns it and its seat ids.</summary>
    public (string ShowId, IReadOnlyList<string> SeatIds) AddShow(int seatCount, DateTime start, ShowStatus status = ShowStatus.Scheduled)
    {
        var show = new Show { Id = Guid.NewGuid().ToString(), StartTime = Timestamp.FromDateTime(start), Currency = "EUR", Status = status };
        var seats = new ListShowSeatsResponse();
        for (var i = 0; i < seatCount; i++)
        {
            var premium = i % 10 == 9;
            seats.Seats.Add(new ShowSeat
            {
                Id = Guid.NewGuid().ToString(), Row = ((char)('A' + i / 20)).ToString(), Label = (i % 20 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Category = premium ? "premium" : "standard", PriceMinor = premium ? PremiumPrice : StandardPrice, Currency = "EUR", Status = SeatStatus.Available,
            });
        }
        _shows[show.Id] = (show, seats);
        return (show.Id, seats.Seats.Select(s => s.Id).ToList());
    }

    public override Task<Show> GetShow(GetShowRequest request, ServerCallContext context) =>
        Task.FromResult(_shows.TryGetValue(request.Id, out var s) ? s.Show : throw new RpcException(new Status(StatusCode.NotFound, "no such show")));

    public override Task<ListShowSeatsResponse> ListShowSeats(ListShowSeatsRequest request, ServerCallContext context) =>
        Task.FromResult(_shows.TryGetValue(request.Id, out var s) ? s.Seats : throw new RpcException(new Status(StatusCode.NotFound, "no such show")));
}
